"""Crashes at the contract's failpoints (``ANTENA_FAILPOINT``): a real process dies there, as with
``kill -9``; ``antena run`` starts again and everything converges — a paid client is reconnected on
the router (the emulator over TCP), each router change lands once, and at most the one message
that was in flight when the process died is sent twice."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from antena.core.bootstrap import App
from antena.core.db.billing_models import Invoice, InvoiceStatus, Payment
from antena.core.db.message_models import Message, MessageStatus
from antena.core.db.models import Client, ClientStatus
from antena.core.db.router_tasks import RouterTask, TaskStatus
from antena.core.failpoints import EXIT_STATUS
from antena.doubles.twilio import TwilioDouble
from tests.integration.payment_helpers import ML, client, invoice

ANTENA = str(Path(sys.executable).with_name("antena"))
STARTUP = 120.0  # seconds: a loaded 2-core machine can take 30 s to start `antena run`


def _env(app: App, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "ANTENA_DATABASE_URL": app.settings.database_url,
        "ANTENA_DATA_DIR": str(tmp_path / "data"),
        "ANTENA_SECRET_KEY": "test-secret-key-not-for-production",
        "ANTENA_LOCALE": "en",
        "ANTENA_AUTO_TASKS": "off",
        "ANTENA_ROUTER_TIMEOUT": "5",
        **extra,
    }
    for name in ("ANTENA_TELEGRAM_TOKEN", "ANTENA_FAILPOINT"):
        if name not in extra:
            env.pop(name, None)
    return env


async def _antena(env: dict[str, str], cwd: Path, *args: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        ANTENA, *args, env=env, cwd=cwd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=STARTUP)
    return proc.returncode or 0, out.decode()


async def _worker_until(env: dict[str, str], cwd: Path, done: Callable[[], Any], what: str) -> str:
    """``antena run --only worker`` until ``done()`` is true (polled), then Ctrl-C; its output."""
    proc = await asyncio.create_subprocess_exec(
        ANTENA, "run", "--only", "worker", env=env, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    lines: list[str] = []

    async def read() -> None:
        assert proc.stdout is not None
        async for raw in proc.stdout:
            lines.append(raw.decode())

    reader = asyncio.create_task(read())
    try:
        deadline = asyncio.get_running_loop().time() + STARTUP
        while not await done():
            assert proc.returncode is None, f"antena run ended: {''.join(lines)}"
            assert asyncio.get_running_loop().time() < deadline, f"never converged: {what}\n{''.join(lines)}"
            await asyncio.sleep(0.1)
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGINT)
        await asyncio.wait_for(proc.wait(), timeout=60)
        await reader
    out = "".join(lines)
    assert proc.returncode == 0 and "Traceback" not in out, out
    return out


def _listed(emu: Any) -> list[str]:
    return sorted(r["address"] for r in emu.rows(ML) if r.get("list") == "morosos")


async def test_crash_after_the_payment_commits(app: App, isp: Any, tmp_path: Path) -> None:
    """Dies after the commit, before any router or message I/O: the restarted worker reconnects."""

    ana = await client(app, isp, "Ana López", "10.0.0.2", phone="+525512345678")
    number = await invoice(app, ana.id, dt.date.today() - dt.timedelta(days=10))
    from antena.core.clients import lifecycle

    await app.perform(lifecycle.suspend, isp.actor, [ana.id])
    assert _listed(isp.emulator) == ["10.0.0.2"]
    env = _env(app, tmp_path, ANTENA_FAILPOINT="payment.committed")
    code, out = await _antena(env, tmp_path, "payment", "add", str(number))
    assert code == EXIT_STATUS, out
    async with app.reader() as uow:
        assert (await uow.session.execute(select(func.count(Payment.id)))).scalar_one() == 1
        inv = (await uow.session.execute(select(Invoice).where(Invoice.number == number))).scalar_one()
        assert inv.status is InvoiceStatus.PAID
        assert (await uow.session.get(Client, ana.id)).status is ClientStatus.ACTIVE  # type: ignore[union-attr]
    assert _listed(isp.emulator) == ["10.0.0.2"], "no router I/O happened before the crash"

    async def reconnected() -> bool:
        return _listed(isp.emulator) == []

    await _worker_until(_env(app, tmp_path), tmp_path, reconnected, "the paid client reconnected")
    async with app.reader() as uow:
        tasks = (await uow.session.execute(select(RouterTask).where(RouterTask.kind == "activate"))).scalars()
        assert [t.status for t in tasks] == [TaskStatus.DONE]
        sent = await uow.session.execute(
            select(Message.event, Message.status).where(Message.client_id == ana.id).order_by(Message.id)
        )
        # paid within the suspension notice's grace: that notice is dropped, no "reactivated" either
        assert sent.all() == [
            ("suspended", MessageStatus.SKIPPED), ("payment_received", MessageStatus.SENT)
        ]


async def test_crash_after_the_router_applied(app: App, isp: Any, tmp_path: Path) -> None:
    """Dies after the router answered, before recording it: the task is taken over at once and
    applied again, which leaves one entry (the operations are idempotent)."""
    beto = await client(app, isp, "Beto Ruiz", "10.0.0.3")
    env = _env(app, tmp_path, ANTENA_FAILPOINT="router.applied")
    code, out = await _antena(env, tmp_path, "clients", "suspend", f"#{beto.id}")
    assert code == EXIT_STATUS, out
    assert _listed(isp.emulator) == ["10.0.0.3"], "the router had applied it"
    async with app.reader() as uow:
        (task,) = (await uow.session.execute(select(RouterTask).where(RouterTask.kind == "suspend"))).scalars()
        assert task.status is TaskStatus.PENDING and task.lease_owner, "leased by the dead process"

    async def recorded() -> bool:
        async with app.reader() as uow:
            row = await uow.session.get(RouterTask, task.id, populate_existing=True)
            return row is not None and row.status is TaskStatus.DONE

    out = await _worker_until(_env(app, tmp_path), tmp_path, recorded, "the task recorded as done")
    assert _listed(isp.emulator) == ["10.0.0.3"], "exactly one entry on the router"


async def test_crash_after_a_message_was_sent(app: App, isp: Any, tmp_path: Path) -> None:
    """Dies right after Twilio accepted one SMS: the next worker takes the dead worker's lease at
    once and sends the rest; only the message that was in flight goes out twice."""
    async with TwilioDouble() as twilio:
        clients = [
            await client(app, isp, f"Cliente {i}", f"10.0.0.{10 + i}", phone=f"+52551234567{i}")
            for i in range(3)
        ]
        from antena.core.notify import events

        async with app.uow() as uow:
            for c in clients:
                row = await uow.session.get(Client, c.id)
                assert row is not None
                await events.portal_link(uow.session, app, row)
            await uow.commit()
        sms = {
            "ANTENA_SMS_BACKEND": "twilio",
            "ANTENA_TWILIO_ACCOUNT_SID": twilio.account_sid,
            "ANTENA_TWILIO_AUTH_TOKEN": twilio.auth_token,
            "ANTENA_TWILIO_FROM": "+15005550006",
            "ANTENA_TWILIO_API_URL": twilio.base_url,
            "ANTENA_SMS_RATE_PER_SECOND": "1",
        }

        async def one_accepted() -> bool:
            return len(twilio.messages) >= 1

        proc = await asyncio.create_subprocess_exec(
            ANTENA, "run", "--only", "worker", env=_env(app, tmp_path, ANTENA_FAILPOINT="message.sent", **sms),
            cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        out, _ = await asyncio.wait_for(proc.communicate(), timeout=STARTUP)
        assert proc.returncode == EXIT_STATUS, out.decode()
        assert await one_accepted()
        in_flight = twilio.messages[0]["To"]

        async def all_sent() -> bool:
            async with app.reader() as uow:
                rows = (await uow.session.execute(select(Message.status))).scalars().all()
            return bool(rows) and all(s is MessageStatus.SENT for s in rows)

        await _worker_until(_env(app, tmp_path, **sms), tmp_path, all_sent, "every message sent")
        per_number: dict[str, int] = {}
        for m in twilio.messages:
            per_number[m["To"]] = per_number.get(m["To"], 0) + 1
        assert per_number[in_flight] == 2, per_number
        assert sorted(n for to, n in per_number.items() if to != in_flight) == [1, 1], per_number
