"""One API session of the RouterOS API emulator: accept, log in, parse each sentence, reply.

Why apart: :mod:`antena.core.routeros.emulator` is the router (its menus, fault injection and
counters); this is the conversation with one client over TCP: the sentence's words taken apart,
``/login`` (plain and the pre-6.43 challenge), ``!fatal`` before login and on ``/quit``, tags
echoed on every reply, latency, and hand-off of streaming commands to ``emulator_stream``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from antena.core.routeros import emulator_stream
from antena.core.routeros.emulator_wire import ProtocolError, SentenceDecoder, encode_sentence

if TYPE_CHECKING:
    from antena.core.routeros.emulator import RouterEmulator

LOGIN_FAILED = "invalid user name or password (6)"
NOT_LOGGED_IN = "not logged in"
SESSION_TERMINATED = "session terminated on request"


@dataclass(frozen=True)
class Command:
    """One API command as received (kept in :attr:`RouterEmulator.history`)."""

    command: str
    attributes: dict[str, str]
    queries: tuple[str, ...]
    tag: str | None


@dataclass(eq=False)
class Connection:
    """One client connection: its writer, whether it logged in, its running streaming commands."""

    writer: asyncio.StreamWriter
    logged_in: bool = False
    challenge: bytes | None = None
    streams: dict[str | None, asyncio.Task[None]] = field(default_factory=dict)  # by tag (emulator_stream)


async def serve(emulator: RouterEmulator, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """One client connection, from accept to close: refused when the router is unreachable or full."""
    full = emulator.max_sessions is not None and len(emulator._connections) >= emulator.max_sessions
    if emulator.unreachable or not emulator._accepting or full:
        writer.close()
        return
    connection = Connection(writer)
    task = asyncio.current_task()
    emulator._connections.add(connection)
    emulator.most_sessions = max(emulator.most_sessions, len(emulator._connections))
    if task is not None:
        emulator._handlers.add(task)
    decoder = SentenceDecoder()
    try:
        while data := await reader.read(65536):
            for sentence in decoder.feed(data):
                if sentence and not await process(emulator, connection, sentence):
                    return
    except (ConnectionError, ProtocolError):
        pass
    finally:
        emulator_stream.stop_all(connection)
        emulator._connections.discard(connection)
        if task is not None:
            emulator._handlers.discard(task)
        writer.close()
        with contextlib.suppress(ConnectionError, asyncio.CancelledError):
            await writer.wait_closed()


async def process(emulator: RouterEmulator, connection: Connection, sentence: list[str]) -> bool:
    """Answer one sentence; returns ``False`` when the connection must close."""
    if emulator.unreachable:
        return False
    if emulator.silent:
        return True
    command = sentence[0]
    attrs: dict[str, str] = {}
    queries: list[str] = []
    tag: str | None = None
    for word in sentence[1:]:
        if word.startswith("="):
            key, _, value = word[1:].partition("=")
            attrs[key] = value
        elif word.startswith("?"):
            queries.append(word)
        elif word.startswith(".tag="):
            tag = word[5:]

    keep_open = True
    if command == "/login":
        replies = login(emulator, connection, attrs)
    elif not connection.logged_in:
        replies, keep_open = [["!fatal", NOT_LOGGED_IN]], False
    else:
        emulator.command_count += 1
        emulator.command_counts[command] += 1
        emulator.history.append(Command(command, attrs, tuple(queries), tag))
        if command == "/quit":
            replies, keep_open = [["!fatal", SESSION_TERMINATED]], False
        elif emulator_stream.handles(command):  # answered by a task of its own, until done or /cancel
            await emulator_stream.dispatch(emulator, connection, command, attrs, tag)
            return True
        else:
            replies = emulator._run(command, attrs, queries)

    if tag is not None:
        suffix = f".tag={tag}"
        for reply in replies:
            reply.append(suffix)
    if emulator.latency > 0:
        await asyncio.sleep(emulator.latency)
    writer = connection.writer
    writer.write(b"".join(encode_sentence(reply) for reply in replies))
    await writer.drain()
    return keep_open


def login(emulator: RouterEmulator, connection: Connection, attrs: dict[str, str]) -> list[list[str]]:
    """``/login``: plain (RouterOS 6.43+) or the older challenge and MD5 response."""
    if "name" not in attrs:  # pre-6.43 challenge/response, step 1
        connection.challenge = os.urandom(16)
        return [["!done", f"=ret={connection.challenge.hex()}"]]
    if "response" in attrs:
        challenge = connection.challenge or b""
        digest = hashlib.md5(
            b"\x00" + emulator.password.encode() + challenge, usedforsecurity=False
        ).hexdigest()
        ok = challenge != b"" and attrs["response"] == "00" + digest
    else:
        ok = attrs.get("password", "") == emulator.password
    if ok and attrs["name"] == emulator.username:
        connection.logged_in = True
        return [["!done"]]
    return [["!trap", f"=message={LOGIN_FAILED}"], ["!done"]]
