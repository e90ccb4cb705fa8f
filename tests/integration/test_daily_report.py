"""The daily cut-off report against a small seeded day: numbers, chat text, PDF (via pdftotext), CLI."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select, update

from antena.core.bootstrap import App
from antena.core.db.billing_models import (
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    Payment,
    PaymentMethod,
    PaymentPromise,
    PromiseStatus,
)
from antena.core.db.message_models import Message, MessageStatus
from antena.core.db.models import ClientStatus, ClientStatusChange, Role, Router, StaffUser
from antena.core.db.router_tasks import RouterTask, TaskStatus
from antena.core.notify import outbox
from antena.core.reports import daily_report, install, send_daily_report
from antena.core.reports.pdf import report_pdf_bytes, write_pdf
from antena.core.reports.text import report_text
from antena.core.scheduler import REPORT_HOOK
from antena.doubles.telegram import TelegramDouble
from tests.billing_helpers import D, add_client, billing_isp

DAY = D(2026, 6, 5)
DUE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # a retry that has fallen due


def at(app: App, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A local time on ``day`` as the UTC instant it is stored as."""
    return dt.datetime.combine(day, dt.time(hour, minute), app.settings.tz).astimezone(dt.UTC)


async def seed(app: App) -> None:
    isp = await billing_isp(app)
    ana = await add_client(app, isp, "Ana", phone="55 1234 5678")
    beto = await add_client(app, isp, "Beto")
    carla = await add_client(app, isp, "Carla", zone="Fin")
    dora = await add_client(app, isp, "Dora")
    async with app.uow() as uow:
        s = uow.session
        sus = ClientStatus.SUSPENDED
        s.add_all(
            [
                ClientStatusChange(
                    client_id=ana.id, status=sus, changed_at=at(app, DAY, 0, 30), reason="cut-off"
                ),
                ClientStatusChange(
                    client_id=carla.id, status=sus, changed_at=at(app, DAY, 23, 50), reason="cut-off"
                ),
                ClientStatusChange(
                    client_id=beto.id, status=sus, changed_at=at(app, DAY, 9), reason="cut-off"
                ),
                ClientStatusChange(
                    client_id=beto.id, status=ClientStatus.ACTIVE, changed_at=at(app, DAY, 12)
                ),
                # the day before and after: not counted today, but in the 30-day chart
                ClientStatusChange(
                    client_id=dora.id, status=sus, changed_at=at(app, DAY, 0, 0) - dt.timedelta(minutes=1)
                ),
                ClientStatusChange(
                    client_id=dora.id, status=sus, changed_at=at(app, DAY + dt.timedelta(days=1), 0, 0)
                ),
            ]
        )
        pay = [
            ("100.00", "Luis", PaymentMethod.CASH, at(app, DAY, 8), beto.id),
            ("250.50", "Luis", PaymentMethod.TRANSFER, at(app, DAY, 11), ana.id),
            ("350.00", "Marta", PaymentMethod.CASH, at(app, DAY, 18), dora.id),
            ("999.00", "Marta", PaymentMethod.CASH, at(app, DAY, 0) - dt.timedelta(seconds=1), dora.id),
        ]
        for amount, cashier, method, when, client_id in pay:
            s.add(
                Payment(
                    client_id=client_id,
                    amount=Decimal(amount),
                    method=method,
                    received_at=when,
                    cashier=cashier,
                )
            )
        inv = [  # number, client, total, paid, status, due
            (1, ana.id, "350.00", "0.00", InvoiceStatus.PENDING, D(2026, 6, 1)),  # overdue
            (2, beto.id, "350.00", "100.00", InvoiceStatus.PENDING, DAY),  # due today, pending 250
            (3, dora.id, "350.00", "350.00", InvoiceStatus.PAID, DAY),
            (4, carla.id, "400.00", "0.00", InvoiceStatus.PENDING, D(2026, 6, 20)),
            (5, carla.id, "500.00", "0.00", InvoiceStatus.CANCELLED, DAY),
        ]
        for number, client_id, total, paid, status, due in inv:
            s.add(
                Invoice(
                    number=number, client_id=client_id, kind=InvoiceKind.INTERNET if number < 4 else InvoiceKind.OTHER,
                    status=status, issue_date=D(2026, 5, 28), issue_month="2026-05",
                    due_date=due, total=Decimal(total), paid_amount=Decimal(paid),
                )
            )  # fmt: skip
        s.add_all(
            [
                PaymentPromise(client_id=ana.id, promised_until=DAY, cycle_issue_date=D(2026, 5, 28)),
                PaymentPromise(
                    client_id=beto.id,
                    promised_until=DAY,
                    cycle_issue_date=D(2026, 5, 28),
                    status=PromiseStatus.KEPT,
                ),
                PaymentPromise(
                    client_id=carla.id, promised_until=D(2026, 6, 6), cycle_issue_date=D(2026, 5, 28)
                ),
            ]
        )
        routers = {r.name: r.id for r in (await s.scalars(select(Router))).all()}
        s.add_all(
            [
                RouterTask(router_id=routers["RB"], kind="suspend", payload={}, status=TaskStatus.FAILED,
                           last_error="refused", updated_at=at(app, DAY, 9)),
                RouterTask(router_id=routers["RB-Fin"], kind="suspend", payload={}, status=TaskStatus.PENDING,
                           last_error="timed out", updated_at=at(app, DAY, 10)),
                RouterTask(router_id=routers["RB"], kind="suspend", payload={}, status=TaskStatus.DONE,
                           updated_at=at(app, DAY, 10)),
            ]
        )  # fmt: skip
        msgs = [  # status, channel, segments
            (MessageStatus.SENT, "sms", 2),
            (MessageStatus.DELIVERED, "sms", 1),
            (MessageStatus.SENT, "telegram", None),
            (MessageStatus.FAILED, "sms", 1),
            (MessageStatus.PENDING, "sms", 1),
        ]
        for n, (status, channel, segments) in enumerate(msgs):
            s.add(
                Message(client_id=ana.id, event="test", context={}, dedupe_key=f"k{n}", channel=channel,
                        segments=segments, status=status, updated_at=at(app, DAY, 13))
            )  # fmt: skip
        s.add(StaffUser(telegram_id=501, name="Gerente", role=Role.MANAGER))
        s.add(StaffUser(telegram_id=502, name="Caja", role=Role.CASHIER))
        await uow.commit()


async def test_numbers_of_a_seeded_day(app: App) -> None:
    await seed(app)
    r = await daily_report(app, DAY)
    assert r.suspended == 3
    assert r.suspended_by_zone == {"Centro": 2, "Fin": 1}
    assert r.suspended_by_router == {"RB": 2, "RB-Fin": 1}
    assert r.reactivated == 1
    assert r.payments == 3
    assert r.collected == Decimal("700.50")
    assert r.by_cashier == {"Luis": Decimal("350.50"), "Marta": Decimal("350.00")}
    assert list(r.by_cashier) == ["Luis", "Marta"]
    assert r.by_method == {"efectivo": Decimal("450.00"), "transferencia": Decimal("250.50")}
    # the cycle: Internet invoices issued 6 May – 5 June (1, 2, 3; 4 and 5 are other income)
    assert (r.cycle_start, r.cycle_billed, r.cycle_collected) == (
        D(2026, 5, 6),
        Decimal("1050.00"),
        Decimal("450.00"),
    )
    assert r.cycle_rate == Decimal("43")
    assert [(c.name, c.zone, c.router, c.owed) for c in r.suspended_clients] == [
        ("Ana", "Centro", "RB", Decimal("350.00")),
        ("Beto", "Centro", "RB", Decimal("250.00")),
        ("Carla", "Fin", "RB-Fin", Decimal("400.00")),
    ]
    assert [c.name for c in r.reactivated_clients] == ["Beto"]
    assert (r.pending, r.pending_count) == (Decimal("650.00"), 2)
    assert (r.overdue, r.overdue_count) == (Decimal("350.00"), 1)
    assert r.promises_due == 1
    assert r.routers_unreachable == ["RB-Fin"]
    assert r.tasks_failed == 1
    assert (r.messages_sent, r.messages_failed, r.sms_segments) == (3, 1, 3)
    assert r.sms_cost == Decimal("0.15")
    assert len(r.history) == 30 and r.history[-1] == (DAY, Decimal("700.50"), 3)
    assert r.history[-2] == (DAY - dt.timedelta(days=1), Decimal("999.00"), 1)


async def test_clients_created_that_day_are_not_cut_or_reconnected(app: App) -> None:
    """Importing or adding clients (even as suspended) is not a cut-off or a reconnection."""
    app.clock.fixed = at(app, DAY, 10)
    isp = await billing_isp(app)
    await add_client(app, isp, "Nueva")
    moroso = await add_client(app, isp, "Importado moroso", status="suspended")
    r = await daily_report(app, DAY)
    assert (r.suspended, r.reactivated) == (0, 0)
    async with app.uow() as uow:
        uow.session.add(
            ClientStatusChange(client_id=moroso.id, status=ClientStatus.ACTIVE, changed_at=at(app, DAY, 11))
        )
        await uow.commit()
    assert (await daily_report(app, DAY)).reactivated == 1


async def test_chat_text(app: App) -> None:
    await seed(app)
    text = report_text(await daily_report(app, DAY), app.settings, "en")
    for expected in (
        "Daily report June 5, 2026",
        "Suspended: 3 (Centro 2, Fin 1)",
        "By router: RB 2, RB-Fin 1",
        "Reactivated: 1",
        "Collected: MX$700.50 in 3 payments",
        "By cashier: Luis MX$350.50, Marta MX$350.00",
        "Cycle collection rate (May 6, 2026 – Jun 5, 2026): MX$450.00 of MX$1,050.00 billed (43%)",
        "Not yet due: MX$650.00 (2 invoices)",
        "Overdue: MX$350.00 (1 invoice)",
        "Promises due: 1",
        "Routers unreachable: RB-Fin",
        "Router tasks failed: 1",
        "Messages: 3 sent, 1 failed; SMS 3 segments ≈ MX$0.15",
    ):
        assert expected in text, (expected, text)


def _pdftotext(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    return re.sub(r"[ \t]+", " ", out.stdout)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
async def test_pdf_in_spanish(app: App, tmp_path: Path) -> None:
    await seed(app)
    report = await daily_report(app, DAY)
    out = write_pdf(report_pdf_bytes(report, app.settings, lang="es"), tmp_path / "r.pdf")
    assert out.read_bytes().startswith(b"%PDF")
    text = _pdftotext(out)
    for expected in (
        "Mi WISP",
        "5 de junio de 2026",
        "Centro 2",
        "RB-Fin 1",
        "$700.50",
        "Luis $350.50",
        "efectivo $450.00",
        "RB-Fin",
        "$0.15",
        "Suspendidos hoy: 3",
        "Ana #",
        "Centro RB $350.00",
        "Carla #",
        "Fin RB-Fin $400.00",
        "Reconectados hoy: 1",
        "Beto #",
        "Cobranza del ciclo",
        "$450.00 / $1,050.00 (43%)",
        "Por vencer (2",
        "Vencido (1",
        "5 jun",  # local dates on the chart
        "$1,000",  # thousands separators on the chart's amounts
    ):
        assert expected in text, (expected, text)
    assert "Pendiente" not in text and "Esperado hoy" not in text
    assert report.suspended_clients[0].phone in text  # Ana's phone, to call her


async def test_no_token_no_scheduled_report(app: App) -> None:
    """Without a bot token the report cannot be sent: no hook, instead of a failure every pass."""
    assert app.settings.telegram_token is None
    assert install(app) is False and REPORT_HOOK not in app.extras


async def test_scheduler_hook_sends_to_managers(app: App) -> None:
    """The hook queues the report in the message outbox; the worker sends text and PDF."""
    await seed(app)
    async with TelegramDouble() as telegram:
        on_telegram(app, telegram)
        assert install(app) is True
        assert app.extras[REPORT_HOOK] is send_daily_report
        assert await send_daily_report(app, DAY) == 1
        assert telegram.sent() == [], "queued, not sent inside the scheduler's call"
        await outbox.send_due(app)
        assert [(r["kind"], r["chat_id"]) for r in telegram.sent()] == [("message", 501), ("document", 501)]
        assert "Suspended: 3" in telegram.sent()[0]["text"]
        await outbox.aclose(app)


async def test_report_retries_only_the_chats_that_were_unreachable(app: App) -> None:
    """Telegram down for one manager: the worker tries that chat again later, and only that one;
    a chat that blocked the bot is failed for good and never retried; queuing the day again adds
    nothing (one message per day and chat)."""
    await seed(app)
    async with app.uow() as uow:
        uow.session.add(StaffUser(telegram_id=503, name="Admin", role=Role.ADMIN))
        uow.session.add(StaffUser(telegram_id=504, name="Bloqueó el bot", role=Role.MANAGER))
        await uow.commit()
    async with TelegramDouble() as telegram:
        on_telegram(app, telegram)
        telegram.block(504)
        telegram.fail_next("sendMessage", 500)  # the first chat, 501, finds Telegram failing

        def pdfs() -> list[int]:
            return [r["chat_id"] for r in telegram.sent() if r["kind"] == "document"]

        assert await send_daily_report(app, DAY) == 3
        await outbox.send_due(app, concurrency=1)  # in queue order: 501 meets the failure
        assert pdfs() == [503]
        async with app.reader() as uow:
            rows = {m.staff_chat_id: m for m in (await uow.session.execute(select(Message))).scalars()}
        assert rows[501].status is MessageStatus.PENDING and "Server Error" in (rows[501].last_error or "")
        assert rows[504].status is MessageStatus.FAILED
        assert await send_daily_report(app, DAY) == 3, "queued again: the same three keys"
        async with app.uow() as uow:  # the retry falls due
            await uow.session.execute(
                update(Message).where(Message.staff_chat_id == 501).values(next_attempt_at=DUE)
            )
            await uow.commit()
        await outbox.send_due(app)
        assert pdfs() == [503, 501], "the manager got it on the retry; the admin not twice; 504 not retried"
        async with app.reader() as uow:
            staff_rows = select(func.count(Message.id)).where(Message.staff_chat_id.is_not(None))
            assert (await uow.session.execute(staff_rows)).scalar_one() == 3
        await outbox.aclose(app)


def on_telegram(app: App, telegram: TelegramDouble) -> None:
    """Point the app's bot at the Bot API double, as ANTENA_TELEGRAM_* would at Telegram."""
    app.settings = app.settings.model_copy(
        update={"telegram_token": SecretStr(telegram.token), "telegram_api_url": telegram.base_url}
    )


async def test_sms_segments_are_counted_as_the_reminder_preview_counts_them(app: App) -> None:
    """With the console SMS backend the report used to say 0 where /recordatorio estimated the
    segments: the report now counts the messages that went as SMS (or to the console standing in
    for it) from their text, as the preview does."""
    from antena.core.audit import Actor
    from antena.core.notify import outbox as messages
    from antena.core.notify.bulk import preview_reminders, send_reminders

    app.clock.fixed = at(app, DAY, 9)
    isp = await billing_isp(app)
    for name in ("Ana Peña", "Beto Núñez", "Carla Díaz"):
        client = await add_client(app, isp, name, phone="55 1234 5678")
        async with app.uow() as uow:
            uow.session.add(
                Invoice(number=client.id, client_id=client.id, kind=InvoiceKind.INTERNET, status=InvoiceStatus.PENDING,
                        issue_date=D(2026, 5, 28), issue_month="2026-05", due_date=D(2026, 6, 1),
                        total=Decimal("350.00"), paid_amount=Decimal("0.00"))
            )  # fmt: skip
            await uow.commit()
    preview = await preview_reminders(app, "all")
    assert preview.recipients == 3 and preview.segments >= 3
    await send_reminders(app, Actor.cli(), "all")
    await messages.send_due(app)
    report = await daily_report(app, DAY)
    assert report.messages_sent == 3
    assert report.sms_segments == preview.segments
