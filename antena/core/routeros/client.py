"""The only code that calls librouteros: one guarded connection per router session.

librouteros has no request tagging, so a connection can carry one command at a time; each
:class:`RouterConnection` holds an ``asyncio.Lock`` and bulk work opens a few connections
instead (:func:`open_connections`). Replies are read at the protocol level so every value comes
back exactly as the router sent it (librouteros' high-level API turns ``"yes"`` and ``"true"``
into ``True`` and ``"007"``-style digits into ints, which would make a password ``"yes"`` look
different from itself). Foreign errors stop here: a ``!trap`` becomes :class:`RouterError` with
the router's own words, anything that means "we are not talking to the router any more"
becomes :class:`RouterUnreachable` with a short reason, and the connection is then unusable.
The words themselves are in :mod:`antena.core.routeros.api_words`, the reasons in
:mod:`antena.core.routeros.transport` (both re-exported here, where callers import them from).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import librouteros
from librouteros.exceptions import (
    MultiTrapError,
    ProtocolError,
    TrapError,
)

from antena.core.errors import RouterError, RouterLoginRefused, RouterUnreachable
from antena.core.notes import Note
from antena.core.routeros.api_words import Row, Value, attribute_words, eq, ne, or_, parse_row, prop
from antena.core.routeros.ops import RouterAccess
from antena.core.routeros.transport import LOST, TRANSPORT_ERRORS, failure_note, tls_context
from antena.core.routeros.wire import SentenceReader, encode_sentence

T = TypeVar("T")

API_PORT = 8728
API_SSL_PORT = 8729

__all__ = [
    "API_PORT",
    "API_SSL_PORT",
    "Channel",
    "CommandCounter",
    "ConnectionPool",
    "RouterConnection",
    "Row",
    "Value",
    "attribute_words",
    "eq",
    "ne",
    "open_connections",
    "or_",
    "tls_context",
]


# -- the connection ---------------------------------------------------------------------------


@dataclass
class CommandCounter:
    """API commands sent (login excluded), shared by the connections of one pool."""

    count: int = 0


class RouterConnection:
    """One logged-in API session; every command goes through :meth:`call` under its lock."""

    def __init__(
        self, api: librouteros.AsyncApi, *, timeout: float, counter: CommandCounter | None = None
    ) -> None:
        self._api = api
        self._timeout = timeout
        self._lock = asyncio.Lock()
        transport = api.protocol.transport
        self._writer = transport.writer
        self._sentences = SentenceReader(transport.reader)
        self._broken: Note | None = None
        self._closed = False
        self.counter = counter if counter is not None else CommandCounter()
        #: Commands sent on this connection (login excluded).
        self.commands = 0

    @classmethod
    async def open(
        cls,
        access: RouterAccess,
        *,
        ssl_context: ssl.SSLContext | None = None,
        timeout: float | None = None,
        counter: CommandCounter | None = None,
    ) -> RouterConnection:
        """Connect and log in; raises :class:`RouterUnreachable` when that is not possible."""
        timeout = access.timeout if timeout is None else timeout
        if ssl_context is None and access.use_tls:
            ssl_context = tls_context()
        try:
            api = await asyncio.wait_for(
                librouteros.async_connect(
                    access.host,
                    access.username,
                    access.password,
                    port=access.port,
                    timeout=timeout,
                    encoding="utf8",
                    ssl_wrapper=ssl_context,
                ),
                timeout=timeout * 2,  # TCP + login; each step is bounded by ``timeout`` already
            )
        except (TrapError, MultiTrapError) as exc:
            # Wrong credentials: queued and retried slowly, so the change survives until someone fixes them.
            raise RouterLoginRefused(access.name, str(exc)) from exc
        except TRANSPORT_ERRORS as exc:
            raise RouterUnreachable(note=failure_note(exc, timeout, connecting=True)) from exc
        return cls(api, timeout=timeout, counter=counter)

    async def __aenter__(self) -> RouterConnection:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def timeout(self) -> float:
        """Seconds one read may wait before the router counts as unreachable."""
        return self._timeout

    @property
    def usable(self) -> bool:
        return self._broken is None

    async def close(self) -> None:
        """Close the session; never raises (the router may already be gone)."""
        if self._closed:
            return
        self._closed, self._broken = True, LOST
        with contextlib.suppress(*TRANSPORT_ERRORS, RuntimeError):
            await self._api.close()

    # -- commands ---------------------------------------------------------------------------

    async def execute(
        self, command: str, words: Sequence[str] = (), *, keep: Callable[[Row], bool] | None = None
    ) -> tuple[list[Row], Row]:
        """Send one command; returns the ``!re`` rows (only those ``keep`` accepts, dropped as they
        arrive) and the attributes of ``!done``."""
        async with self._lock:
            if self._broken is not None:
                raise RouterUnreachable(note=self._broken)
            self.commands += 1
            self.counter.count += 1
            rows: list[Row] = []
            traps: list[str] = []
            try:
                self._writer.write(encode_sentence((command, *words)))
                await self._writer.drain()
                while True:
                    reply, raw = await self._sentences.read(self._timeout)
                    if reply == "!re":
                        row = parse_row(raw)
                        if keep is None or keep(row):
                            rows.append(row)
                    elif reply == "!trap":
                        traps.append(parse_row(raw).get("message", "unknown error"))
                    elif reply == "!done":
                        done = parse_row(raw)
                        break
                    # anything else (e.g. RouterOS 7.18's "!empty") carries no data
            except TRANSPORT_ERRORS as exc:
                self._broken = failure_note(exc, self._timeout)
                await self._abort()
                raise RouterUnreachable(note=self._broken) from exc
            except BaseException:
                # cancelled or a bug halfway through a reply: the stream is out of step for good
                self._broken = LOST
                await self._abort()
                raise
        if traps:
            raise RouterError("; ".join(traps))
        return rows, done

    async def pipeline(
        self, commands: Sequence[tuple[str, Sequence[str] | Mapping[str, Value | None]]], *, window: int = 16
    ) -> list[Row | RouterError]:
        """Send many commands tagged, up to ``window`` of them awaiting their answers at once, so
        the router always has the next one (a cut-off's adds: no idle round trip per command).
        For each command, in order: the attributes of its ``!done``, or its error (the router's
        trap; ``RouterUnreachable`` for every command the lost connection left unanswered).
        A command's words may be given as its properties (a mapping): they are then encoded only
        when it is sent, so 2,000 queued adds hold no word lists."""
        results: list[Row | RouterError | None] = [None] * len(commands)
        traps: dict[int, list[str]] = {}
        async with self._lock:
            if self._broken is not None:
                raise RouterUnreachable(note=self._broken)
            sent = answered = 0
            try:
                while answered < len(commands):
                    if sent < len(commands) and sent - answered <= window // 2:  # top the window up
                        batch = bytearray()
                        while sent < len(commands) and sent - answered < window:
                            command, words = commands[sent]
                            if isinstance(words, Mapping):
                                words = attribute_words(words)
                            batch += encode_sentence((command, *words, f".tag={sent}"))
                            sent += 1
                            self.commands += 1
                            self.counter.count += 1
                        self._writer.write(batch)
                        await self._writer.drain()
                    reply, raw = await self._sentences.read(self._timeout)
                    attrs = parse_row(raw)
                    tag = int(attrs.pop(".tag", "-1"))
                    if not 0 <= tag < sent:
                        raise ProtocolError(f"reply for an unknown tag {tag}")
                    if reply == "!trap":
                        traps.setdefault(tag, []).append(attrs.get("message", "unknown error"))
                    elif reply == "!done" and results[tag] is None:
                        trapped = traps.pop(tag, None)
                        results[tag] = RouterError("; ".join(trapped)) if trapped else attrs
                        answered += 1
            except TRANSPORT_ERRORS as exc:
                self._broken = failure_note(exc, self._timeout)
                await self._abort()
                lost = RouterUnreachable(note=self._broken)
                results = [lost if r is None else r for r in results]
            except BaseException:
                self._broken = LOST
                await self._abort()
                raise
        return [r if r is not None else RouterUnreachable(note=LOST) for r in results]

    async def _abort(self) -> None:
        with contextlib.suppress(Exception):
            self._api.protocol.transport.writer.close()

    @contextlib.asynccontextmanager
    async def channel(self) -> AsyncIterator[Channel]:
        """This connection, locked, for a command that streams and is cancelled by its tag
        (:mod:`antena.core.routeros.streaming`): raw sentences in and out, errors translated."""
        async with self._lock:
            if self._broken is not None:
                raise RouterUnreachable(note=self._broken)
            yield Channel(self)

    async def _guarded(self, step: Awaitable[T]) -> T:
        try:
            return await step
        except TRANSPORT_ERRORS as exc:
            self._broken = failure_note(exc, self._timeout)
            await self._abort()
            raise RouterUnreachable(note=self._broken) from exc
        except BaseException:
            self._broken = LOST  # cancelled mid-sentence: out of step for good
            await self._abort()
            raise

    async def call(self, command: str, *words: str, **attrs: Value | None) -> list[Row]:
        """Any command (``/ppp/active/remove``, ``/ip/arp/make-static``, ...): its rows."""
        rows, done = await self.execute(command, [*attribute_words(attrs), *words])
        return [*rows, done] if done else rows

    async def print(
        self,
        path: str,
        *,
        proplist: Sequence[str] | None = None,
        where: Sequence[str] = (),
        **equal: Value,
    ) -> list[Row]:
        """Rows of ``path`` matching ``where`` query words and ``key=value`` equalities."""
        words = [f"=.proplist={','.join(proplist)}"] if proplist else []
        words += [word for key, value in equal.items() for word in eq(prop(key), value)]
        words += list(where)
        rows, _ = await self.execute(f"{path}/print", words)
        return rows

    async def select(
        self, path: str, *props: str, where: Sequence[str] = (), keep: Callable[[Row], bool] | None = None
    ) -> list[Row]:
        """Only ``props`` of the rows matching ``where`` (one ``print`` with ``.proplist``); ``keep``
        filters rows as they arrive, for tables too big to hold whole."""
        words = [f"=.proplist={','.join(props)}"] if props else []
        rows, _ = await self.execute(f"{path}/print", [*words, *where], keep=keep)
        return rows

    async def add(self, path: str, **props: Value | None) -> str:
        """Add a row; returns its ``.id``."""
        _, done = await self.execute(f"{path}/add", attribute_words(props))
        return done.get("ret", "")

    async def set(self, path: str, row_id: str | Sequence[str], **props: Value | None) -> None:
        """Change ``props`` of one row, or of several with one command (comma-separated ids)."""
        ids = row_id if isinstance(row_id, str) else ",".join(row_id)
        await self.execute(f"{path}/set", [f"=.id={ids}", *attribute_words(props)])

    async def unset(self, path: str, row_id: str, *props: str) -> None:
        """Return ``props`` of a row to their unset state."""
        await self.execute(f"{path}/unset", [f"=.id={row_id}", f"=value-name={','.join(props)}"])

    async def remove(self, path: str, *ids: str) -> None:
        """Remove rows with ONE command (RouterOS takes a comma-separated id list)."""
        if ids:
            await self.execute(f"{path}/remove", [f"=.id={','.join(ids)}"])


class Channel:
    """Raw sentences on a locked connection; any transport failure breaks the connection."""

    def __init__(self, conn: RouterConnection) -> None:
        self._conn = conn

    async def write(self, command: str, *words: str) -> None:
        conn = self._conn
        conn.commands += 1
        conn.counter.count += 1
        conn._writer.write(encode_sentence((command, *words)))
        await conn._guarded(conn._writer.drain())

    async def read(self) -> tuple[str, Row]:
        """The next sentence: its reply word and its words (``.tag`` included)."""
        reply, raw = await self._conn._guarded(self._conn._sentences.read(self._conn.timeout))
        return reply, parse_row(raw)


# -- a few connections for bulk work ----------------------------------------------------------


@dataclass
class ConnectionPool:
    """Parallel sessions to one router; callers keep one client's commands on one of them."""

    connections: list[RouterConnection]
    counter: CommandCounter = field(default_factory=CommandCounter)

    def __len__(self) -> int:
        return len(self.connections)

    def __getitem__(self, index: int) -> RouterConnection:
        return self.connections[index % len(self.connections)]

    async def close(self) -> None:
        await asyncio.gather(*(connection.close() for connection in self.connections))


@contextlib.asynccontextmanager
async def open_connections(
    access: RouterAccess,
    n: int,
    *,
    ssl_context: ssl.SSLContext | None = None,
    timeout: float | None = None,
) -> AsyncIterator[ConnectionPool]:
    """Up to ``n`` sessions opened in parallel. Fewer are fine (a router may cap API sessions);
    none raises the first :class:`RouterUnreachable`."""
    counter = CommandCounter()
    opened = await asyncio.gather(
        *(
            RouterConnection.open(access, ssl_context=ssl_context, timeout=timeout, counter=counter)
            for _ in range(max(1, n))
        ),
        return_exceptions=True,
    )
    connections = [item for item in opened if isinstance(item, RouterConnection)]
    failures = [item for item in opened if isinstance(item, BaseException)]
    unexpected = [item for item in failures if not isinstance(item, RouterUnreachable)]
    if unexpected or not connections:
        await asyncio.gather(*(connection.close() for connection in connections))
        raise (unexpected or failures)[0]
    pool = ConnectionPool(connections, counter)
    try:
        yield pool
    finally:
        await pool.close()
