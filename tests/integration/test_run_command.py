"""``antena run`` without a Telegram token: says the bot is off, keeps running, and its worker
applies a change that was queued while the router was down."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from antena.core.bootstrap import App
from antena.core.clients import edits, lifecycle
from antena.core.clients.records import ClientData

ANTENA = str(Path(sys.executable).with_name("antena"))


async def test_run_retries_queued_router_changes_until_they_apply(app: App, isp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    emu = isp.emulator
    client, _ = await app.perform(edits.add_client, isp.actor, ClientData(name="Lupe", zone="Centro", router="RB-Centro", plan="PCQ 15M", ip="10.0.0.9")
    )
    emu.unreachable = True
    report = await app.perform(lifecycle.suspend, isp.actor, [client.id])
    assert report.queued

    env = {
        **os.environ,
        "ANTENA_DATABASE_URL": app.settings.database_url,
        "ANTENA_DATA_DIR": str(tmp_path / "data"),
        "ANTENA_LOCALE": "en",
        "ANTENA_ROUTER_BACKOFF_BASE": "0.2",
        "ANTENA_ROUTER_BACKOFF_MAX": "0.5",
        "ANTENA_ROUTER_TIMEOUT": "2",
    }
    env.pop("ANTENA_TELEGRAM_TOKEN", None)
    proc = await asyncio.create_subprocess_exec(
        ANTENA, "run", "--only", "worker", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    try:
        line = b""
        while b"Worker running" not in line:
            line = await asyncio.wait_for(proc.stdout.readline(), timeout=120)  # type: ignore[union-attr]
            assert line, "antena run ended early"
        await asyncio.sleep(1.0)
        assert [r for r in emu.rows("/ip/firewall/address-list") if r["list"] == "morosos"] == []
        emu.unreachable = False
        for _ in range(100):
            if any(r["list"] == "morosos" for r in emu.rows("/ip/firewall/address-list")):
                break
            await asyncio.sleep(0.2)
        entries = [r["address"] for r in emu.rows("/ip/firewall/address-list") if r["list"] == "morosos"]
        assert entries == ["10.0.0.9"]
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode == 0, out
    assert b"Stopped." in out and b"Traceback" not in out


async def test_run_without_a_token_says_the_bot_is_off(app: App, tmp_path: Path) -> None:
    env = {**os.environ, "ANTENA_DATABASE_URL": app.settings.database_url, "ANTENA_LOCALE": "en",
           "ANTENA_DATA_DIR": str(tmp_path / "data")}
    env.pop("ANTENA_TELEGRAM_TOKEN", None)
    proc = await asyncio.create_subprocess_exec(
        ANTENA, "run", env=env, cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    try:
        first = await asyncio.wait_for(proc.stdout.readline(), timeout=120)  # type: ignore[union-attr]
        assert b"Telegram bot is off" in first
        # The rest starts: the worker's line comes once Ctrl-C is handled (a loaded machine may
        # take many seconds to get there; a Ctrl-C before it is Python's own, exit 130).
        second = await asyncio.wait_for(proc.stdout.readline(), timeout=120)  # type: ignore[union-attr]
        assert b"Worker running" in second, second
        assert proc.returncode is None, "keeps running without the bot"
    finally:
        proc.send_signal(signal.SIGINT)
        await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode == 0
