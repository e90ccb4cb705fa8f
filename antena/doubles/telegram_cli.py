"""``python -m antena.doubles.telegram``: the Telegram double as a process a person can chat through.

Why: to try the bot by hand without a real Telegram account, point it at this process
(``ANTENA`` settings or ``TelegramAPIServer.from_base``), then type lines as the user. The bot's
messages are printed as they arrive. Lines starting with ``!`` are commands:

    !tap DATA        press the inline button with callback_data DATA on the bot's last message
    !press LABEL     press the inline button labelled LABEL on the bot's last message
    !doc PATH        send a file as a document      !photo PATH   send an image as a photo
    !user ID         switch to another user id     !help          show this list
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from antena.doubles.telegram import TelegramDouble, buttons


def describe(record: dict[str, Any]) -> str:
    """One line per thing the bot sent, with its buttons, for a human watching the console."""
    head = f"[bot → {record['chat_id']}] {record['kind']} #{record['message_id']}"
    body = record.get("text") or ""
    if record.get("filename"):
        body = f"{record['filename']} ({len(record['data'])} bytes) {body}".strip()
    rows = buttons(record["reply_markup"]) if record.get("reply_markup") else []
    keys = " | ".join(f"{text} ({data})" if data else text for row in rows for text, data in row)
    return f"{head}: {body}" + (f"\n    buttons: {keys}" if keys else "")


def stdin_lines() -> asyncio.Queue[str | None]:
    """Typed lines (None at the end of input), read by a daemon thread so Ctrl-C never waits on a
    blocked readline. Also the demo's terminal chat reads through this."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def read() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(queue.put_nowait, line.rstrip("\n"))
        loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=read, name="stdin-lines", daemon=True).start()
    return queue


def _handle_line(double: TelegramDouble, user_id: int, line: str) -> int:
    """Turn one typed line into an update; returns the (possibly new) current user id."""
    command, _, argument = line.partition(" ")
    if command == "!user":
        return int(argument)
    if command == "!help":
        print(
            __doc__.split("messages are printed as they arrive.", 1)[1].strip().replace("``", ""), flush=True
        )
    elif command in ("!tap", "!press"):
        last = double.sent(user_id)[-1]["message_id"] if double.sent(user_id) else 0
        if command == "!tap":
            double.tap(user_id, last, argument)
        else:
            double.tap_button(user_id, last, argument)
    elif command in ("!doc", "!photo"):
        path = Path(argument).expanduser()
        sender = double.send_document if command == "!doc" else double.send_photo
        sender(user_id, path.read_bytes(), path.name)
    elif line.strip():
        double.send_text(user_id, line)
    return user_id


async def _serve(args: argparse.Namespace) -> int:
    double = TelegramDouble(
        args.token, args.username, strict_chats=args.strict_chats, host=args.host, port=args.port
    )
    try:
        await double.start()
    except OSError as exc:
        print(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    try:
        print(f"Telegram Bot API double listening on {double.base_url}", flush=True)
        double.listeners.append(lambda record: print(describe(record), flush=True))
        await _console(double, args)
    finally:
        await double.stop()
    return 0


async def _console(double: TelegramDouble, args: argparse.Namespace) -> None:
    """Turn typed lines into updates until SIGINT/SIGTERM (stdin closing does not stop the server)."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    queue: asyncio.Queue[str | None] = asyncio.Queue() if args.no_input else stdin_lines()
    user_id = args.user_id
    stopping = asyncio.ensure_future(stop.wait())
    while True:
        getting = asyncio.ensure_future(queue.get())
        await asyncio.wait({getting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if stopping.done():
            getting.cancel()
            return
        line = getting.result()
        if line is None:
            await stopping
            return
        try:
            user_id = _handle_line(double, user_id, line)
        except (ValueError, OSError) as exc:
            print(f"! {exc}", flush=True)


def run(argv: Sequence[str] | None = None) -> int:
    """Parse arguments and serve until Ctrl-C."""
    parser = argparse.ArgumentParser(
        prog="python -m antena.doubles.telegram", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--host", default="127.0.0.1", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=8081, help="port to listen on (0 picks a free one)")
    parser.add_argument("--token", default="123456:TEST", help="the bot token the double accepts")
    parser.add_argument("--username", default="antena_test_bot", help="the bot's @username")
    parser.add_argument("--user-id", type=int, default=1001, help="who you are when you type")
    parser.add_argument("--strict-chats", action="store_true", help="answer 'chat not found' to strangers")
    parser.add_argument("--no-input", action="store_true", help="do not read stdin (serve only)")
    args = parser.parse_args(argv)
    try:
        return asyncio.run(_serve(args))
    except KeyboardInterrupt:  # a second Ctrl-C while stopping
        return 0
