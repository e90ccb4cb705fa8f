"""``antena run`` with a bot token: long polling (webhook deleted first, menu set in both languages,
flood waits honoured) or a webhook served by the portal's app with Telegram's secret header."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from antena.core import staff
from antena.core.audit import Actor
from antena.core.bootstrap import App
from antena.doubles.telegram import TelegramDouble

ANTENA = str(Path(sys.executable).with_name("antena"))
ADMIN = 1001


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def telegram(app: App) -> TelegramDouble:  # type: ignore[misc]
    async with app.uow() as uow:
        await staff.add_staff(uow, Actor.cli(), telegram_id=ADMIN, name="Admin", role="admin")
    async with TelegramDouble() as double:
        yield double  # type: ignore[misc]


async def _run(app: App, telegram: TelegramDouble, tmp_path: Path, *args: str, **env: str):  # type: ignore[no-untyped-def]
    full = {
        **os.environ,
        "ANTENA_DATABASE_URL": app.settings.database_url,
        "ANTENA_DATA_DIR": str(tmp_path / "d"),
        "ANTENA_TELEGRAM_TOKEN": telegram.token,
        "ANTENA_TELEGRAM_API_URL": telegram.base_url,
        "ANTENA_AUTO_TASKS": "off",
        "ANTENA_PORTAL_BIND": f"127.0.0.1:{_free_port()}",
        **env,
    }
    return await asyncio.create_subprocess_exec(
        ANTENA,
        "run",
        *args,
        env=full,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


async def _stop(proc) -> bytes:  # type: ignore[no-untyped-def]
    proc.send_signal(signal.SIGINT)
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == 0, out
    return out


async def test_polling_deletes_the_webhook_sets_the_menu_and_answers(
    app: App, telegram: TelegramDouble, tmp_path: Path
) -> None:
    telegram.fail_next("sendMessage", 429, retry_after=1)
    proc = await _run(app, telegram, tmp_path, "--only", "bot")
    try:
        telegram.send_text(ADMIN, "/ayuda")
        started = time.monotonic()
        reply = await telegram.wait_for_message(ADMIN, timeout=120)  # antena run may take 30 s to start
        assert "/suspender" in reply["text"]
        assert time.monotonic() - started >= 1.0, "the flood wait was honoured, then the reply sent"
    finally:
        out = await _stop(proc)
    methods = [m for m, _ in telegram.calls]
    assert methods.index("deleteWebhook") < methods.index("getUpdates")
    assert {"es", "en"} <= set(telegram.commands)
    assert any(c["command"] == "suspender" for c in telegram.commands["es"])
    assert any(c["command"] == "suspend" for c in telegram.commands["en"])
    assert b"Traceback" not in out


async def test_webhook_mode_checks_the_secret_and_never_handles_an_update_twice(
    app: App, telegram: TelegramDouble, tmp_path: Path
) -> None:
    port = _free_port()
    proc = await _run(
        app,
        telegram,
        tmp_path,
        ANTENA_TELEGRAM_WEBHOOK_URL=f"http://127.0.0.1:{port}",
        ANTENA_PORTAL_BIND=f"127.0.0.1:{port}",
    )
    try:
        for _ in range(1200):  # `antena run` can take 30 s to start on a loaded 2-core machine
            if telegram.webhook.url:
                break
            await asyncio.sleep(0.1)
        assert telegram.webhook.url == f"http://127.0.0.1:{port}/telegram/webhook"
        assert telegram.webhook.secret_token
        for _ in range(600):  # the web server may still be starting
            try:
                async with (
                    aiohttp.ClientSession() as http,
                    http.post(
                        telegram.webhook.url,
                        json={"update_id": 1},
                        headers={"X-Telegram-Bot-Api-Secret-Token": "nope"},
                    ) as response,
                ):
                    assert response.status == 401
                break
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.1)
        update = telegram.send_text(ADMIN, "/ayuda")
        assert await telegram.post_update(update) == 200
        reply = await telegram.wait_for_message(ADMIN, timeout=60)
        assert "/suspender" in reply["text"]
        assert await telegram.post_update(update) == 200
        await asyncio.sleep(1.0)
        assert len([r for r in telegram.sent(ADMIN) if r["kind"] == "message"]) == 1, (
            "the same update id once"
        )
    finally:
        await _stop(proc)
