"""The daily cut-off report reaches managers and admins through Telegram from a running ``antena run``.

Why this exists: ``tests/integration/test_daily_report.py`` checks the numbers, the text and the PDF
and calls the scheduler hook with a stand-in bot object. Nothing there proves that the real process
wires it all together: ``antena run`` installing the hook, the calendar reaching ``ANTENA_REPORT_TIME``
only after the day's cut-off, a real aiogram bot built from ``ANTENA_TELEGRAM_TOKEN`` /
``ANTENA_TELEGRAM_API_URL`` uploading the PDF, the Spanish default locale, a clean Ctrl-C, and a
restart that does not send the same day's report twice. Here the process runs for real against the
local Telegram Bot API double, both as the whole ``antena run`` and as ``antena run --only worker``
(the report is the worker's job, so it must not depend on the bot's polling part running too).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from antena.core import staff
from antena.core.audit import Actor
from antena.core.billing import display
from antena.core.billing.payments import register_payment
from antena.core.bootstrap import App
from antena.core.clients import lifecycle
from antena.core.db.models import Role
from antena.core.i18n import gettext
from antena.core.scheduler import REPORT_COUNTER, last_done
from antena.doubles.telegram import TelegramDouble
from tests.billing_helpers import add_client, billing_isp
from tests.helpers import free_port
from tests.integration.payment_helpers import invoice

ANTENA = str(Path(sys.executable).with_name("antena"))
ADMIN, MANAGER, CASHIER = 2001, 2002, 2003
PAID = "432.10"  # one distinctive payment today, so the figure can be found in the text and the PDF
REPORT_WAIT = 120.0  # seconds for the report to arrive after the process starts (a loaded CI machine)
STOP_WAIT = 60.0  # seconds for a clean exit after SIGINT (it may be rendering the PDF)
QUIET_WAIT = 5.0  # seconds a restarted process gets, once its calendar is on, to (wrongly) resend
CALENDAR_ON = gettext("Calendar on: the invoice run and the cut-off run once a day.", "es")

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")


async def _seed(app: App) -> None:
    """Staff of three roles; today one cash payment of ``PAID`` taken by the cashier, one suspension."""
    ids = {}
    for tg_id, name, role in [
        (ADMIN, "Admin", "admin"),
        (MANAGER, "Gerente", "manager"),
        (CASHIER, "Cajera", "cashier"),
    ]:
        async with app.uow() as uow:
            user = await staff.add_staff(uow, Actor.cli(), telegram_id=tg_id, name=name, role=role)
            await uow.commit()
            ids[tg_id] = user.id
    isp = await billing_isp(app)
    ana = await add_client(app, isp, "Ana")
    beto = await add_client(app, isp, "Beto")
    number = await invoice(app, ana.id, app.clock.today(), PAID)
    cashier = Actor(name="Cajera", channel="telegram", role=Role.CASHIER, staff_id=ids[CASHIER])
    await app.perform(register_payment, cashier, [number])  # the whole invoice, cash, now
    await app.perform(lifecycle.suspend, Actor.cli(), [beto.id], reason="cut-off")


async def _start(
    app: App, telegram: TelegramDouble, tmp_path: Path, log: Path, *args: str
) -> asyncio.subprocess.Process:
    """``antena run *args`` on this test's database, its output in ``log`` (a pipe could fill up)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTENA_")}  # defaults: es, Mexico City
    env.update(
        ANTENA_DATABASE_URL=app.settings.database_url,
        ANTENA_DATA_DIR=str(tmp_path / "data"),
        ANTENA_SECRET_KEY="test-secret-key-not-for-production",
        ANTENA_TELEGRAM_TOKEN=telegram.token,
        ANTENA_TELEGRAM_API_URL=telegram.base_url,
        ANTENA_REPORT_TIME="00:00",  # due as soon as today's cut-off is done
        ANTENA_AUTO_TASKS="on",
        ANTENA_PORTAL_BIND=f"127.0.0.1:{free_port()}",
    )
    with log.open("wb") as out:
        return await asyncio.create_subprocess_exec(
            ANTENA, "run", *args, env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT
        )


async def _stop(proc: asyncio.subprocess.Process, log: Path) -> str:
    """Ctrl-C; the process must end by itself, with status 0, no traceback and nothing left open."""
    proc.send_signal(signal.SIGINT)
    try:
        await asyncio.wait_for(proc.wait(), timeout=STOP_WAIT)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        pytest.fail(f"antena run did not stop within {STOP_WAIT}s of SIGINT:\n{log.read_text()}")
    out = log.read_text()
    assert proc.returncode == 0, out
    assert "Traceback" not in out, out
    assert "Unclosed" not in out, out  # e.g. the report bot's aiohttp session
    return out


def _is_report(record: dict[str, Any], heading: str, filename: str) -> bool:
    if record["kind"] == "document":
        return bool(record.get("filename") == filename)
    return record["kind"] == "message" and (record.get("text") or "").startswith(heading)


def _pdftotext(data: bytes, where: Path) -> str:
    where.write_bytes(data)
    out = subprocess.run(
        ["pdftotext", "-layout", str(where), "-"], capture_output=True, text=True, check=True
    )
    return re.sub(r"[ \t]+", " ", out.stdout)


@pytest.mark.parametrize("only", [(), ("--only", "worker")], ids=["all-parts", "only-worker"])
async def test_report_reaches_managers_and_admins_once(
    app: App, tmp_path: Path, only: tuple[str, ...]
) -> None:
    await _seed(app)
    today = app.clock.today()
    heading = f"Reporte diario {display.long_date(today, 'es', 'MX')}"
    filename = f"reporte-diario-{today.isoformat()}.pdf"
    money = display.money(Decimal(PAID), "MXN", "es", "MX")  # $432.10
    async with TelegramDouble() as telegram:
        log = tmp_path / "run-1.log"
        proc = await _start(app, telegram, tmp_path, log, *only)
        try:
            for chat in (MANAGER, ADMIN):
                try:
                    text = await telegram.wait_for_message(
                        chat, lambda r: _is_report(r, heading, filename), timeout=REPORT_WAIT
                    )
                    doc = await telegram.wait_for_message(
                        chat, lambda r: r["kind"] == "document", timeout=REPORT_WAIT
                    )
                except TimeoutError as exc:
                    raise AssertionError(f"{exc}\n--- antena run:\n{log.read_text()}") from exc
                assert text["kind"] == "message", text
                body = text["text"]
                for expected in (
                    "Suspendidos: 1 (Centro 1)",
                    f"Cobrado: {money} en 1 pago",
                    f"Por cajero: Cajera {money}",
                    f"Por método: efectivo {money}",
                ):
                    assert expected in body, (expected, body)
                assert doc["filename"] == filename, doc
                assert doc["data"].startswith(b"%PDF"), doc["data"][:20]
                pdf = _pdftotext(doc["data"], tmp_path / f"report-{chat}.pdf")
                for expected in (display.long_date(today, "es", "MX"), money, "Cajera"):
                    assert expected in pdf, (expected, pdf)
        finally:
            await _stop(proc, log)
        assert not [r for r in telegram.sent(CASHIER) if _is_report(r, heading, filename)], (
            "a cashier does not get the daily report"
        )
        reports = [r for r in telegram.sent() if _is_report(r, heading, filename)]
        assert sorted((r["chat_id"], r["kind"]) for r in reports) == [
            (ADMIN, "document"), (ADMIN, "message"), (MANAGER, "document"), (MANAGER, "message"),
        ], reports  # fmt: skip
        assert await last_done(app, REPORT_COUNTER) == today

        # A restart on the same day: the scheduler remembers the report and does not send it again.
        log = tmp_path / "run-2.log"
        proc = await _start(app, telegram, tmp_path, log, *only)
        try:
            for _ in range(int(REPORT_WAIT * 10)):  # the calendar starts right after this line
                if CALENDAR_ON in log.read_text() or proc.returncode is not None:
                    break
                await asyncio.sleep(0.1)
            assert CALENDAR_ON in log.read_text(), log.read_text()
            await asyncio.sleep(QUIET_WAIT)  # the first run needed about 3 s from here to send it
            assert proc.returncode is None, log.read_text()
        finally:
            await _stop(proc, log)
        again = [r for r in telegram.sent() if _is_report(r, heading, filename)]
        assert again == reports, "the same day's report was sent twice"
