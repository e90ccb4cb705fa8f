"""The message outbox: stored with its event, deduplicated, sent by the worker, reminders by the calendar."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from antena.core.audit import Actor
from antena.core.billing.payments import register_payment
from antena.core.bootstrap import App, bootstrap
from antena.core.clients import lifecycle
from antena.core.config import Settings
from antena.core.db.billing_models import InvoiceStatus
from antena.core.db.message_models import MessageStatus
from antena.core.db.models import Client, ClientStatus
from antena.core.notify import events, outbox
from antena.core.scheduler import run_day
from antena.doubles.telegram import TelegramDouble
from tests.billing_helpers import billing_isp
from tests.integration.notify_helpers import drain, messages, outbox_app, phone_client, queue_portal_link
from tests.integration.payment_helpers import invoice, pin

ACTOR = Actor.cli()


async def test_enqueue_is_part_of_the_callers_transaction_and_deduplicated(app: App) -> None:
    isp = await billing_isp(app)
    c = await phone_client(app, isp, "Ana López", "+525512345678")
    async with app.uow() as uow:
        client = await uow.session.get(Client, c.id)
        assert client is not None
        assert await outbox.enqueue(uow.session, client, "welcome", {"empresa": "X"}, "k1")
        await uow.rollback()
    assert await messages(app) == []
    async with app.uow() as uow:
        client = await uow.session.get(Client, c.id)
        assert client is not None
        ctx = {**events.base_context(app, client), "plan": "Hogar 10M"}
        assert await outbox.enqueue(uow.session, client, "welcome", ctx, "welcome:1")
        assert not await outbox.enqueue(uow.session, client, "welcome", ctx, "welcome:1")
        await uow.commit()
    async with app.uow() as uow:
        client = await uow.session.get(Client, c.id)
        assert client is not None
        assert not await outbox.enqueue(uow.session, client, "welcome", ctx, "welcome:1")
        await uow.commit()
    assert len(await messages(app)) == 1


async def test_console_backend_logs_the_message(app: App, caplog: pytest.LogCaptureFixture) -> None:
    isp = await billing_isp(app)
    c = await phone_client(app, isp, "Ana López", "+525512345678")
    await queue_portal_link(app, c.id)
    with caplog.at_level(logging.INFO, logger="antena.notify"):
        await drain(app)
    (row,) = await messages(app)
    assert row.status is MessageStatus.SENT and row.channel == "console"
    assert row.body and row.body.startswith("Dear customer of Mi WISP")  # the test client speaks English
    assert any("Dear customer of Mi WISP" in r.getMessage() for r in caplog.records)


async def test_opt_out_and_unreachable_are_skipped(app: App) -> None:
    isp = await billing_isp(app)
    quiet = await phone_client(app, isp, "Sin Avisos", "+525512340000", messages_opt_out=True)
    nophone = await phone_client(app, isp, "Sin Teléfono", "")
    await queue_portal_link(app, quiet.id)
    await queue_portal_link(app, nophone.id)
    await drain(app)
    rows = {m.client_id: m for m in await messages(app)}
    assert rows[quiet.id].status is MessageStatus.SKIPPED and "opted out" in (rows[quiet.id].last_error or "")
    assert rows[nophone.id].status is MessageStatus.SKIPPED


@pytest.fixture
async def telegram() -> AsyncIterator[TelegramDouble]:
    async with TelegramDouble() as double:
        yield double


@pytest.fixture
async def tg_app(settings: Settings, telegram: TelegramDouble) -> AsyncIterator[App]:
    s = settings.model_copy(
        update={"telegram_token": SecretStr(telegram.token), "telegram_api_url": telegram.base_url}
    )
    async with outbox_app(s) as application:
        yield application


async def test_telegram_first_then_sms_when_the_bot_is_blocked(tg_app: App, telegram: TelegramDouble) -> None:
    isp = await billing_isp(tg_app)
    linked = await phone_client(
        tg_app, isp, "Ana López", "+525512345678", telegram_chat_id=5001, language="es"
    )
    blocked = await phone_client(tg_app, isp, "Beto Ruiz", "+525512345679", telegram_chat_id=5002)
    telegram.block(5002)
    await queue_portal_link(tg_app, linked.id)
    await queue_portal_link(tg_app, blocked.id)
    await drain(tg_app)
    (sent,) = telegram.sent(5001)
    assert sent["text"].startswith("Estimado cliente de la empresa Mi WISP . Le anexo su link")
    rows = {m.client_id: m for m in await messages(tg_app)}
    assert rows[linked.id].channel == "telegram" and rows[linked.id].recipient == "5001"
    assert rows[blocked.id].status is MessageStatus.SENT and rows[blocked.id].channel == "console"
    assert "telegram" in (rows[blocked.id].last_error or "")


async def test_payment_and_suspension_queue_messages(app: App) -> None:
    isp = await billing_isp(app)
    c = await phone_client(app, isp, "Ana López", "+525512345678")
    pin(app, dt.date(2026, 6, 10))
    number = await invoice(app, c.id, dt.date(2026, 6, 1))
    await app.perform(lifecycle.change_access, ACTOR, [c.id], target=ClientStatus.SUSPENDED, deliver=False)
    pin(app, dt.date(2026, 6, 10), hour=15)  # the suspension's notice waited out its grace
    await app.perform(register_payment, ACTOR, [number])
    rows = await messages(app)
    by_event = {m.event: m for m in rows}
    assert set(by_event) >= {"suspended", "payment_received", "reactivated"}
    assert by_event["suspended"].context["saldo"] == "MX$350.00"
    assert by_event["payment_received"].context["total"] == "MX$350.00"
    assert by_event["payment_received"].context["saldo"] == "MX$0.00"
    assert by_event["reactivated"].next_attempt_at > app.clock.now(), "held for its grace"
    pin(app, dt.date(2026, 6, 10), hour=16)
    await drain(app)
    rows = await messages(app)
    assert all(m.status is MessageStatus.SENT for m in rows), [
        (m.event, m.status, m.last_error) for m in rows
    ]


async def test_calendar_reminders(app: App) -> None:
    isp = await billing_isp(app)  # Centro: issue 28, notice 30, pay 1, cut-off 5
    due = await phone_client(app, isp, "Debe Hoy", "+525510000001")
    cut = await phone_client(app, isp, "Corte Mañana", "+525510000002", language="es")
    free = await phone_client(app, isp, "Gratis", "+525510000003")
    quiet = await phone_client(app, isp, "Callado", "+525510000004", messages_opt_out=True)
    paid = await phone_client(app, isp, "Pagado", "+525510000005")
    day = dt.date(2026, 6, 1)
    await invoice(app, due.id, day)  # due today
    n_cut = await invoice(app, cut.id, dt.date(2026, 5, 29))  # cut-off on June 2
    await invoice(app, free.id, day)
    await invoice(app, quiet.id, day)
    await invoice(app, paid.id, day, paid="350.00", status=InvoiceStatus.PAID)
    async with app.uow() as uow:
        client = await uow.session.get(Client, free.id)
        assert client is not None
        client.status = ClientStatus.FREE
        await uow.commit()
    assert await events.queue_reminders(app, day) == 2
    assert await events.queue_reminders(app, day) == 2  # tried again: deduplicated
    rows = await messages(app)
    assert sorted((m.client_id, m.event) for m in rows) == sorted(
        [(due.id, "due_today"), (cut.id, "cutoff_warning")]
    )
    warn = next(m for m in rows if m.event == "cutoff_warning")
    assert warn.language == "es" and warn.context["factura"] == str(n_cut)
    assert warn.context["fecha_corte"] == "2 jun 2026"
    assert warn.context["saldo"] == "$350.00"
    # the notice day (30th) reminds clients whose invoice is not due yet
    notice = dt.date(2026, 6, 30)
    await invoice(app, due.id, dt.date(2026, 7, 1))
    assert await events.queue_reminders(app, notice) == 1
    assert (await messages(app))[-1].event == "notice_reminder"


async def test_run_day_queues_reminders_unless_auto_tasks_off(app: App) -> None:
    isp = await billing_isp(app)
    c = await phone_client(app, isp, "Debe Hoy", "+525510000001")
    await invoice(app, c.id, dt.date(2026, 6, 1))
    off = bootstrap(app.settings.model_copy(update={"auto_tasks": False}))
    try:
        await run_day(off, dt.date(2026, 6, 1))
    finally:
        await off.aclose()
    assert [m for m in await messages(app) if m.event == "due_today"] == []
    await run_day(app, dt.date(2026, 6, 1))
    assert [m.client_id for m in await messages(app) if m.event == "due_today"] == [c.id]


async def test_every_event_helper_renders(app: App) -> None:
    isp = await billing_isp(app)
    c = await phone_client(app, isp, "Ana López", "+525512345678", email="ana@example.mx")
    number = await invoice(app, c.id, dt.date(2026, 6, 1))
    beto = await phone_client(app, isp, "Beto", "+525512345679")
    async with app.uow() as uow:
        client = await uow.session.get(Client, c.id)
        assert client is not None
        inv = (
            await uow.session.execute(select(events.Invoice).where(events.Invoice.number == number))
        ).scalar_one()
        await events.invoice_issued(uow.session, app, client, inv)
        for event in (events.NOTICE, events.DUE_TODAY, events.CUTOFF_WARNING):
            await events.invoice_reminder(uow.session, app, client, inv, event)
        await events.promise_registered(uow.session, app, client, 1, dt.date(2026, 6, 7))
        await events.welcome(uow.session, app, client)  # no SMTP host: no e-mail queued
        now = app.clock.now()
        await events.access_changed(uow.session, app, [client], ClientStatus.SUSPENDED, now)
        later = now + dt.timedelta(hours=1)  # after the notice's grace: both are sent
        await events.access_changed(uow.session, app, [client], ClientStatus.ACTIVE, later)
        owes_nothing = await uow.session.get(Client, beto.id)
        assert owes_nothing is not None
        await events.access_changed(uow.session, app, [owes_nothing], ClientStatus.SUSPENDED, now)
        await events.payment_received(uow.session, app, client, 99, inv.total)
        await events.portal_link(uow.session, app, client)
        await events.wifi_changed(uow.session, app, client, "Casa Ana")
        await events.report_rejected(uow.session, app, client, 7, "the receipt is unreadable")
        from antena.core.notify import fieldwork  # contracts, installations, tickets

        await fieldwork.contract_link(uow.session, app, client, 5, "http://portal.test/contrato/x")
        await fieldwork.contract_document(uow.session, app, client, 5, None, "")
        await fieldwork.installation_done(uow.session, app, client, 3, inv)
        await fieldwork.ticket_answered(uow.session, app, client, 7, "Reiniciamos su antena")
        await fieldwork.ticket_closed(uow.session, app, client, 7)
        await uow.commit()
    app.clock.fixed = app.clock.now() + dt.timedelta(hours=2)
    await drain(app)
    rows = await messages(app)
    assert {m.event for m in rows} == set(events_all())
    assert all(m.status is MessageStatus.SENT for m in rows), [(m.event, m.last_error) for m in rows]
    for m in rows:  # the signed auto-login URL is long: most messages take 2 segments
        assert m.body and "{{" not in m.body and m.encoding in ("GSM-7", "UCS-2")
        assert m.segments is not None and 1 <= m.segments <= 3


def events_all() -> tuple[str, ...]:
    from antena.core.notify.templates import EVENTS

    return EVENTS
