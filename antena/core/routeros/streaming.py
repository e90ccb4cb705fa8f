"""Commands that stream (``/tool/torch``, ``/interface/monitor-traffic``, ``/ping``): read for a
bounded time, then cancel them cleanly by their tag.

librouteros has no tags (it sends a command and reads until ``!done``), so a command that never
ends would hold its connection forever. This module talks to the router with raw sentences
(:meth:`RouterConnection.channel`): the command goes out with ``.tag=N``; its ``!re`` rows are
collected until ``seconds`` pass or the router ends it with ``!done``; if it is still running,
``/cancel =tag=N .tag=M`` stops it and we read on until both ``!done .tag=N`` and ``!done .tag=M``
arrived (the ``!trap =category=2 =message=interrupted`` in between is the cancellation, not an
error), so the connection is clean for the next command. One read is outstanding at a time and
is never cut mid-sentence; if the router goes silent, the read times out after the router
timeout, the connection is dropped, and the rows read so far come back with the reason.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from antena.core.errors import RouterError, RouterUnreachable
from antena.core.notes import Note, note
from antena.core.routeros.client import Channel, RouterConnection, Row

INTERRUPTED_CATEGORY = "2"
_tags = itertools.count(1)


@dataclass
class StreamResult:
    """What a streaming command sent before it ended, was cancelled or the router went quiet."""

    rows: list[Row] = field(default_factory=list)
    ended: bool = False  # the router finished it (``!done``) within the time
    cancelled: bool = False  # still running at the deadline: cancelled, connection clean
    interrupted: Note | None = None  # the router stopped answering: why (the connection is closed)


class _Reader:
    """At most one read in flight; waiting for it can time out without losing a sentence."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.pending: asyncio.Task[tuple[str, Row]] | None = None

    async def next(self, timeout: float) -> tuple[str, Row] | None:
        if self.pending is None:
            self.pending = asyncio.ensure_future(self.channel.read())
        done, _ = await asyncio.wait({self.pending}, timeout=max(0.0, timeout))
        if not done:
            return None
        task, self.pending = self.pending, None
        return task.result()

    async def abandon(self) -> None:
        if self.pending is not None:
            self.pending.cancel()
            await asyncio.gather(self.pending, return_exceptions=True)
            self.pending = None


async def stream(
    conn: RouterConnection,
    command: str,
    words: Sequence[str] = (),
    *,
    seconds: float,
    settle: float | None = None,
) -> StreamResult:
    """Run ``command`` for at most ``seconds``; ``settle`` bounds the wait for the cancellation's
    answers (default: the connection's timeout). A ``!trap`` other than the cancellation raises
    :class:`RouterError` with the router's words."""
    loop = asyncio.get_running_loop()
    result = StreamResult()
    tag = str(next(_tags))
    trap: str | None = None
    async with conn.channel() as channel:
        reader = _Reader(channel)
        try:
            await channel.write(command, *words, f".tag={tag}")
            deadline = loop.time() + seconds
            while not result.ended:
                sentence = await reader.next(deadline - loop.time())
                if sentence is None:
                    break
                trap = _take(sentence, tag, result, trap)
            if not result.ended:
                await _cancel(channel, reader, tag, result, settle or conn.timeout)
        except RouterUnreachable as exc:
            result.interrupted = exc.note
        finally:
            await reader.abandon()
    if trap is not None:
        raise RouterError(trap)
    return result


def _take(sentence: tuple[str, Row], tag: str, result: StreamResult, trap: str | None) -> str | None:
    reply, row = sentence
    if row.get(".tag") != tag:
        return trap  # an answer to some other tag: not ours to read
    if reply == "!re":
        result.rows.append({k: v for k, v in row.items() if k != ".tag"})
    elif reply == "!trap" and row.get("category") != INTERRUPTED_CATEGORY:
        return row.get("message", "unknown error")
    elif reply == "!done":
        result.ended = True
    return trap


async def _cancel(channel: Channel, reader: _Reader, tag: str, result: StreamResult, settle: float) -> None:
    loop = asyncio.get_running_loop()
    cancel_tag = str(next(_tags))
    await channel.write("/cancel", f"=tag={tag}", f".tag={cancel_tag}")
    waiting = {tag, cancel_tag}
    deadline = loop.time() + settle
    while waiting:
        sentence = await reader.next(deadline - loop.time())
        if sentence is None:
            raise RouterUnreachable(note=note("no_cancel_answer", s=f"{settle:g}"))
        reply, row = sentence
        if reply == "!re" and row.get(".tag") == tag:
            result.rows.append({k: v for k, v in row.items() if k != ".tag"})  # sent before it stopped
        elif reply == "!done":
            waiting.discard(row.get(".tag", ""))
    result.cancelled = True
