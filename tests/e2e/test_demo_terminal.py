"""``antena demo`` as a person meets it: started in a pseudo-terminal, chatted with, stopped with Ctrl-C.

Why a pseudo-terminal: the terminal chat reads what is typed and prints the bot's answers with
numbered buttons; only a real tty shows that typing a command changes a router (the demo's own
emulator, read back over the RouterOS API as a MikroTik would be) and that the printed link
opens the customer's portal.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pexpect
import pytest
from librouteros import connect

from antena.doubles.telegram import TelegramDouble
from tests.helpers import free_port

pytestmark = pytest.mark.sqlite_only  # the demo always makes its own SQLite file

ANTENA = str(Path(sys.executable).with_name("antena"))
LINK = re.compile(r"(\S+ \S+ \S+) \(#\d+\):\s+(http://127\.0\.0\.1:\d+/a/\S+)")  # name, link
TRY = re.compile(r"/suspender (.+?) \(\w+ #(\d+), ([\d.]+) \w+ (RB-[\w-]+)\)")


def morosos(port: int) -> list[str]:
    """The addresses in the ``morosos`` address-list, asked of the router over its API."""
    api = connect(host="127.0.0.1", port=port, username="admin", password="", encoding="utf8", timeout=5)
    try:
        rows = api.path("ip", "firewall", "address-list")
        return sorted(r["address"] for r in rows if r.get("list") == "morosos")
    finally:
        api.close()


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[pexpect.spawn]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTENA_")}
    env |= {"ANTENA_DATA_DIR": str(tmp_path / "data"), "ANTENA_PORTAL_BIND": f"127.0.0.1:{port}"}
    child = pexpect.spawn(ANTENA, ["demo"], env=env, cwd=str(tmp_path), encoding="utf-8", timeout=60)
    yield child
    if child.isalive():
        child.terminate(force=True)


def test_a_typed_suspension_reaches_the_router_and_the_link_opens_the_portal(demo: pexpect.spawn) -> None:
    demo.expect(r"RB-Centro → 127\.0\.0\.1:(\d+)")
    routers = {"RB-Centro": int(demo.match.group(1))}
    demo.expect(r"RB-Centro-2 → 127\.0\.0\.1:(\d+)")
    routers["RB-Centro-2"] = int(demo.match.group(1))
    demo.expect(r"RB-Norte → 127\.0\.0\.1:(\d+)")
    routers["RB-Norte"] = int(demo.match.group(1))
    demo.expect(LINK)
    customer, link = demo.match.group(1), demo.match.group(2)
    demo.expect(TRY)
    name, ip, router = demo.match.group(1), demo.match.group(3), demo.match.group(4)
    demo.expect("Ctrl-C")  # the chat's help: it is listening
    assert ip not in morosos(routers[router])

    demo.sendline(f"/suspender {name}")
    demo.expect(rf"{re.escape(ip)} → morosos")
    demo.expect(r"\[1\] \w+")  # the answer's "Undo" button, as a numbered choice
    assert ip in morosos(routers[router]), "the emulated router cut the client"

    demo.sendline("1")  # press "Undo": reconnect
    demo.expect(rf"{re.escape(ip)} ← morosos|{re.escape(name)}")
    deadline = time.monotonic() + 10
    while ip in morosos(routers[router]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert ip not in morosos(routers[router]), "the numbered button reconnected the client"

    page = httpx.get(link, follow_redirects=True, timeout=10)
    assert page.status_code == 200 and page.url.path == "/portal", "the link logs the customer in"
    assert customer in page.text

    demo.sendintr()
    demo.expect("Demo detenida")
    demo.expect(pexpect.EOF, timeout=20)
    demo.close()
    assert demo.exitstatus == 0


async def test_with_a_token_the_real_bot_answers_the_person_given_as_admin(tmp_path: Path) -> None:
    """With ANTENA_TELEGRAM_TOKEN the demo runs the bot against that Bot API (here the double, as
    Telegram) and makes ``--telegram-id`` an admin: the bot answers them, not as to a stranger."""
    async with TelegramDouble() as telegram:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ANTENA_")}
        env |= {
            "ANTENA_DATA_DIR": str(tmp_path / "data"),
            "ANTENA_PORTAL_BIND": f"127.0.0.1:{free_port()}",
            "ANTENA_TELEGRAM_TOKEN": telegram.token,
            "ANTENA_TELEGRAM_API_URL": telegram.base_url,
        }
        args = ["demo", "--clients", "20", "--telegram-id", "777"]
        child = pexpect.spawn(ANTENA, args, env=env, cwd=str(tmp_path), encoding="utf-8", timeout=60)
        try:
            await asyncio.to_thread(child.expect, TRY)
            telegram.send_text(777, "/start", first_name="Ana")
            # the admin may get the day's report first: wait for the answer to /start
            hello = await telegram.wait_for_message(
                777, lambda r: "/ayuda" in (r.get("text") or ""), timeout=20
            )
            assert "Administrador" in hello["text"] and "/ayuda" in hello["text"]
            no_chat = await asyncio.to_thread(child.expect, ["!como", pexpect.TIMEOUT], 1)
            assert no_chat == 1, "no terminal chat when a real bot runs"
            child.sendintr()
            await asyncio.to_thread(child.expect, pexpect.EOF, 20)
        finally:
            child.close(force=True)
        assert child.exitstatus == 0
