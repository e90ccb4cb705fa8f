"""A RouterOS API emulator that speaks the real wire protocol over TCP.

Why it exists: Antena manages MikroTik routers through the RouterOS API (via librouteros), and
its tests, benchmarks and demo need a router that behaves like one without owning hardware.
Instead of mocking librouteros, this module runs an asyncio TCP server that implements the API
protocol itself (length-prefixed words, ``!re``/``!done``/``!trap``/``!fatal`` sentences, tags,
plain and legacy ``/login``), keeps per-menu tables in memory with RouterOS's own ids, duplicate
traps and query language (see :mod:`antena.core.routeros.emulator_tables`; the menus a fresh router has
are in ``emulator_menus``, the wire codec in ``emulator_wire``, one client's session (login, sentences,
replies) in ``emulator_session``; streaming commands such as
``/tool/torch`` in ``emulator_stream``, subscribers and growing counters in ``emulator_live``), and adds fault
injection (latency, an unreachable router, one-shot traps) plus command counters for assertions.

Use it from tests::

    async with RouterEmulator(password="secret") as router:
        api = await librouteros.async_connect("127.0.0.1", "admin", "secret", port=router.port)

or from a shell: ``python -m antena.core.routeros.emulator --port 8728``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import logging
import signal
import time
from collections import Counter, deque
from collections.abc import Callable

from antena.core.routeros import emulator_refs, emulator_session
from antena.core.routeros.emulator_menus import default_specs
from antena.core.routeros.emulator_session import Command, Connection
from antena.core.routeros.emulator_tables import Row, Table, TableSpec
from antena.core.routeros.emulator_traps import NO_SUCH_COMMAND, NO_SUCH_COMMAND_PREFIX, RouterOSTrap
from antena.core.routeros.emulator_wire import (
    ProtocolError,
    SentenceDecoder,
    encode_length,
    encode_sentence,
)

__all__ = [
    "Command",
    "ProtocolError",
    "RouterEmulator",
    "RouterOSTrap",
    "SentenceDecoder",
    "TableSpec",
    "encode_length",
    "encode_sentence",
    "main",
    "serve",
]

LOGGER = logging.getLogger(__name__)


def _canonical_path(path: str) -> str:
    return "/" + path.replace(" ", "/").strip("/")


def _format_uptime(seconds: float) -> str:
    """RouterOS duration style: ``1w2d3h4m5s``, zero parts left out."""
    remaining = int(seconds)
    parts = []
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        amount, remaining = divmod(remaining, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return "".join(parts) or "0s"


class RouterEmulator:
    """An in-process MikroTik router reachable through the RouterOS API on a TCP port.

    Attributes you may change at any time: ``username``, ``password``, ``latency`` (seconds
    slept before each reply), ``unreachable`` (refuse new connections, drop existing ones on
    their next command), ``version`` and ``board_name`` (shown by ``/system/resource``).
    """

    def __init__(
        self,
        *,
        username: str = "admin",
        password: str = "",
        version: str = "7.16",
        board_name: str = "RB4011iGS+",
        identity: str = "MikroTik",
        latency: float = 0.0,
        history_size: int = 1000,
    ) -> None:
        self.username = username
        self.password = password
        self.version = version
        self.board_name = board_name
        self.latency = latency
        self.unreachable = False
        #: Keep connections open but answer nothing (a router whose radio link went down).
        self.silent = False
        #: ``/ip service`` ``max-sessions`` of the API: a connection beyond it is closed at once.
        self.max_sessions: int | None = None
        self.most_sessions = 0  # the most connections open at once (for assertions)
        #: Called with a menu path before a command reads or changes it (``emulator_live``).
        self.refreshers: list[Callable[[str], None]] = []
        self.host: str | None = None
        self.port: int | None = None
        #: Number of API commands received, ``/login`` excluded.
        self.command_count = 0
        #: The same, per command word, e.g. ``command_counts["/ppp/secret/add"]``.
        self.command_counts: Counter[str] = Counter()
        #: The most recent commands (``/login`` excluded), oldest first.
        self.history: deque[Command] = deque(maxlen=history_size)
        self._tables: dict[str, Table] = {}
        self._menus: set[str] = set()
        for spec in default_specs(identity):
            self.register(spec)
        self._failures: dict[str, deque[tuple[str, int | None]]] = {}
        self._server: asyncio.Server | None = None
        self._accepting = False
        self._connections: set[Connection] = set()
        self._handlers: set[asyncio.Task[None]] = set()
        self._booted = time.monotonic()

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Start listening; returns the bound port (pass ``port=0`` for a free one)."""
        if self._server is not None:
            raise RuntimeError("emulator already started")
        self._accepting = True
        self._server = await asyncio.start_server(functools.partial(emulator_session.serve, self), host, port)
        self.host = host
        self.port = int(self._server.sockets[0].getsockname()[1])
        self._booted = time.monotonic()
        return self.port

    async def stop(self) -> None:
        """Stop listening and close every open connection."""
        server, self._server = self._server, None
        self._accepting = False
        if server is None:
            return
        server.close()
        self.drop_connections()
        if self._handlers:
            await asyncio.wait(self._handlers, timeout=2)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(server.wait_closed(), timeout=2)

    async def __aenter__(self) -> RouterEmulator:
        if self._server is None:
            await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def connection_count(self) -> int:
        """Currently open client connections."""
        return len(self._connections)

    def set_uptime(self, seconds: float = 0.0) -> None:
        """Make ``/system/resource`` report this uptime from now on (0: the router just booted)."""
        self._booted = time.monotonic() - seconds

    def drop_connections(self) -> None:
        """Close every open client connection now (clients see a closed connection)."""
        for connection in list(self._connections):
            connection.writer.close()

    # -- state for tests and the demo ------------------------------------------------------

    def register(self, spec: TableSpec) -> None:
        """Add (or replace) a menu, e.g. ``/ip/dhcp-server/lease``, with its rules."""
        path = _canonical_path(spec.path)
        self._tables[path] = Table(spec)
        parts = path.strip("/").split("/")
        self._menus.update("/" + "/".join(parts[:i]) for i in range(1, len(parts)))

    def table(self, path: str) -> Table:
        try:
            table = self._tables[_canonical_path(path)]
        except KeyError:
            raise KeyError(f"the emulator has no menu {path!r}") from None
        if table.spec.path == "/system/resource":
            self._refresh_resource(table)
        return table

    @property
    def paths(self) -> list[str]:
        return sorted(self._tables)

    @property
    def tables(self) -> dict[str, list[Row]]:
        """Snapshot of every table: path → copies of its rows (mutate via the helpers)."""
        return {path: self.rows(path) for path in self._tables}

    def rows(self, path: str) -> list[Row]:
        """Copies of the rows of ``path`` (``"/ppp/secret"`` or ``"ppp/secret"``), in order."""
        return [dict(row) for row in self.table(path).rows()]

    def row(self, path: str, row_id: str) -> Row | None:
        """Copy of one row by ``.id`` (``*1``), or ``None``."""
        found = self.table(path).get(row_id)
        return dict(found) if found is not None else None

    def find(self, path: str, **props: str) -> list[Row]:
        """Rows whose properties equal ``props`` (``mac_address=`` means ``mac-address``)."""
        wanted = _props(props)
        return [row for row in self.rows(path) if all(row.get(k) == v for k, v in wanted.items())]

    def add_row(self, path: str, **props: str) -> str:
        """Seed a row as if added on the router; returns its ``.id``.

        Underscores in keyword names become dashes (``mac_address`` → ``mac-address``); use
        ``**{".id": "*10"}`` to choose the id.  Duplicates raise :class:`RouterOSTrap`.
        """
        return self.table(path).add(_props(props))

    def update_row(self, path: str, row_id: str, **props: str) -> None:
        """Change properties of one row (same rules as the API ``set``)."""
        table = self.table(path)
        table.update(table.resolve(row_id), _props(props))

    def remove_row(self, path: str, row_id: str) -> None:
        """Delete a row, e.g. to simulate a PPP session ending."""
        table = self.table(path)
        table.remove(table.resolve(row_id))

    def clear(self, path: str) -> None:
        """Delete every row of ``path``."""
        self.table(path).clear()

    # -- fault injection and counters ------------------------------------------------------

    def fail_next(self, path_cmd: str, message: str, *, category: int | None = None, times: int = 1) -> None:
        """Make the next ``times`` commands ``path_cmd`` (e.g. ``"/ppp/secret/add"``) answer
        ``!trap`` with ``message`` instead of running.  Calls stack up in order."""
        queue = self._failures.setdefault(_canonical_path(path_cmd), deque())
        queue.extend([(message, category)] * times)

    def reset_counts(self) -> None:
        """Zero :attr:`command_count`, :attr:`command_counts` and :attr:`history`."""
        self.command_count = 0
        self.command_counts.clear()
        self.history.clear()

    # -- protocol handling -----------------------------------------------------------------

    def _run(self, command: str, attrs: dict[str, str], queries: list[str]) -> list[list[str]]:
        failures = self._failures.get(command)
        try:
            if failures:
                message, category = failures.popleft()
                raise RouterOSTrap(message, category)
            if command == "/cancel":
                return [["!done"]]
            path, _, verb = command.rpartition("/")
            for refresh in self.refreshers:
                refresh(path)
            table = self._tables.get(path)
            if table is None:
                known_menu = path in self._menus or command in self._tables
                raise RouterOSTrap(NO_SUCH_COMMAND if known_menu else NO_SUCH_COMMAND_PREFIX)
            if verb not in table.spec.commands:
                raise RouterOSTrap(NO_SUCH_COMMAND)
            if path == "/system/resource":
                self._refresh_resource(table)
            renamed: dict[str, str] = {}
            if verb in ("add", "set"):
                emulator_refs.check(self._tables, path, attrs)
                renamed = emulator_refs.names_before(self._tables, path, attrs) if verb == "set" else {}
            rows, done = table.execute(verb, attrs, queries)
            emulator_refs.follow_renames(self._tables, path, renamed)
        except RouterOSTrap as trap:
            words = ["!trap", f"=message={trap.message}"]
            if trap.category is not None:
                words.insert(1, f"=category={trap.category}")
            return [words, ["!done"]]
        except Exception as exc:  # an emulator bug: report it to the client, keep serving
            LOGGER.exception("emulator failed on %s", command)
            return [["!trap", f"=message=emulator error: {exc!r}"], ["!done"]]
        replies = [["!re", *(f"={k}={v}" for k, v in row.items())] for row in rows]
        replies.append(["!done", *(f"={k}={v}" for k, v in done.items())])
        return replies

    def _refresh_resource(self, table: Table) -> None:
        version = self.version if " " in self.version else f"{self.version} (stable)"
        table.update(
            table.target_ids({}),
            {
                "uptime": _format_uptime(time.monotonic() - self._booted),
                "version": version,
                "build-time": "2024-09-20 13:00:27",
                "factory-software": "6.44.6",
                "free-memory": "857903104",
                "total-memory": "1073741824",
                "cpu": "ARMv7",
                "cpu-count": "4",
                "cpu-frequency": "1400",
                "cpu-load": "1",
                "free-hdd-space": "451764224",
                "total-hdd-space": "536870912",
                "architecture-name": "arm",
                "board-name": self.board_name,
                "platform": "MikroTik",
            },
        )


def _props(props: dict[str, str]) -> dict[str, str]:
    """Python keyword names → RouterOS property names (``mac_address`` → ``mac-address``)."""
    return {k if k.startswith(".") else k.replace("_", "-"): str(v) for k, v in props.items()}


# -- command line ----------------------------------------------------------------------------


async def serve(
    host: str = "127.0.0.1",
    port: int = 8728,
    username: str = "admin",
    password: str = "",
    latency: float = 0.0,
    live: bool = True,
) -> None:
    """Run an emulator until cancelled, SIGINT or SIGTERM (used by ``antena emulate-router``);
    ``live``: subscribers connect and move traffic (``emulator_live``)."""
    emulator = RouterEmulator(username=username, password=password, latency=latency)
    if live:
        from antena.core.routeros.emulator_live import attach

        attach(emulator)
    bound = await emulator.start(host, port)
    print(f"RouterOS API emulator listening on {host}:{bound}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    handled: list[signal.Signals] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, stop.set)
            handled.append(signum)
    try:
        await stop.wait()
    finally:
        for signum in handled:
            loop.remove_signal_handler(signum)
        await emulator.stop()


def main(argv: list[str] | None = None) -> None:
    """``python -m antena.core.routeros.emulator [--host H] [--port N] ...``"""
    parser = argparse.ArgumentParser(description="RouterOS API emulator for tests and demos.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8728, help="TCP port, 0 = any free port")
    parser.add_argument("--username", default="admin")
    parser.add_argument("--password", default="")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each reply")
    args = parser.parse_args(argv)
    try:
        asyncio.run(serve(args.host, args.port, args.username, args.password, args.latency))
    except KeyboardInterrupt:
        pass
    except OSError as exc:  # e.g. the port is already taken
        raise SystemExit(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None


if __name__ == "__main__":
    main()
