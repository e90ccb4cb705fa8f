"""Support tickets: opened by staff or customers, assigned, answered, closed; technicians act on
their own only; the customer and the staff are told through the message outbox (staff in Telegram,
with an "Open" button the bot honours, retried while Telegram fails); the daily report counts them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select, update

from antena.core import staff, tickets
from antena.core.audit import Actor
from antena.core.bootstrap import App
from antena.core.db.fieldwork_models import TicketStatus
from antena.core.db.message_models import Message, MessageStatus
from antena.core.db.models import StaffUser
from antena.core.errors import InvalidInput, NotAllowed, NotFound
from antena.core.notify import outbox
from antena.core.reports.daily import daily_report
from antena.core.reports.text import report_text
from antena.doubles.telegram_users import buttons
from tests.botkit import BotRig, telegram_rig
from tests.fieldwork_helpers import sold_client
from tests.helpers import cli, cli_centro
from tests.integration.payment_helpers import pin

DUE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


async def team(app: App, languages: dict[int, str] | None = None) -> dict[str, Actor]:
    """A manager, a cashier and two technicians; ``languages``: a staff member's own language."""
    out = {}
    for tg, name, role in [(1002, "Gerente", "manager"), (1003, "Cajera", "cashier"),
                           (1004, "Ana Técnica", "technician"), (1005, "Beto Técnico", "technician")]:  # fmt: skip
        async with app.uow() as uow:
            await staff.add_staff(uow, Actor.cli(), telegram_id=tg, name=name, role=role)
        async with app.uow() as uow:
            own = (languages or {}).get(tg)
            await uow.session.execute(update(StaffUser).where(StaffUser.telegram_id == tg).values(language=own))
            await uow.commit()
        async with app.reader() as uow:
            row = (await uow.session.scalars(select(StaffUser).where(StaffUser.telegram_id == tg))).one()
        out[role if role != "technician" else name.split()[0].lower()] = Actor.telegram_staff(row)
    return out


async def notices_in(rig: BotRig, chat: int) -> list[dict[str, Any]]:
    """The bot's messages in a staff chat, after a pass of ``antena run``'s message worker."""
    await outbox.send_due(rig.app)
    return [r for r in rig.telegram.sent(chat) if r["kind"] == "message"]


async def events_of(app: App, event: str) -> list[Message]:
    async with app.reader() as uow:
        return list(
            await uow.session.scalars(select(Message).where(Message.event == event).order_by(Message.id))
        )


async def test_a_ticket_from_open_to_closed(app: App, isp: Any) -> None:
    people = await team(app, {1005: "es"})  # Beto reads Spanish; the others ANTENA_LOCALE (English)
    lucia = await sold_client(app, isp)
    async with telegram_rig(app) as rig:
        try:
            await _ticket_life(app, rig, people, lucia.id)
        finally:
            await outbox.aclose(app)


async def _ticket_life(app: App, rig: BotRig, people: dict[str, Actor], lucia: int) -> None:
    opened = await app.perform(
        tickets.customer_opens, lucia, "Sin internet desde ayer\nLa antena parpadea", "portal"
    )
    t = opened.ticket
    assert t.subject == "Sin internet desde ayer" and t.status is TicketStatus.OPEN and t.channel == "portal"
    assert opened.staff_told == 3
    queued = await events_of(app, "staff.ticket")
    assert sorted(m.staff_chat_id or 0 for m in queued) == [1002, 1004, 1005], (
        "field staff and managers hear of it"
    )
    assert rig.telegram.sent() == [], "stored with the ticket; the worker sends it"
    (new,) = await notices_in(rig, 1004)
    assert new["text"] == f"New ticket {t.id} from Lucía Núñez: Sin internet desde ayer"
    assert [r["text"] for r in rig.telegram.sent(1005)] == [
        f"Nuevo ticket {t.id} de Lucía Núñez: Sin internet desde ayer"
    ], "in the staff member's own language"
    assert len(rig.telegram.sent(1002)) == 1 and rig.telegram.sent(1003) == [], "cashiers are not told"
    card = await rig.tap_text(1004, new["message"], "Open")
    assert f"(#{lucia})" in card["text"] and "Sin internet desde ayer" in card["text"], card["text"]

    given = await app.perform(tickets.assign, people["cashier"], t.id, "1004")
    assert given.ticket.assigned_to == "Ana Técnica" and given.staff_told == 1
    assert (await notices_in(rig, 1004))[-1]["text"] == (
        f"Cajera gave you ticket {t.id} (Lucía Núñez): Sin internet desde ayer"
    )
    answered = await app.perform(
        tickets.comment, people["ana"], t.id, "Reiniciamos su antena, ¿ya tiene servicio?"
    )
    assert answered.customer_told and answered.staff_told == 0
    added = await app.perform(tickets.customer_comments, lucia, t.id, "Sí, gracias", "portal")
    assert added.staff_told == 1, "only the technician who has it"
    heard = await notices_in(rig, 1004)
    assert heard[-1]["text"] == f"Lucía Núñez wrote on ticket {t.id}: Sí, gracias"
    assert [label for row in buttons(heard[-1]) for label, _data in row] == ["Open"]
    assert len(rig.telegram.sent(1005)) == 1 and len(rig.telegram.sent(1002)) == 1
    closed = await app.perform(tickets.close, people["ana"], t.id, "Antena reiniciada")
    assert closed.ticket.status is TicketStatus.CLOSED and closed.customer_told
    assert [e.kind for e in closed.ticket.events] == ["opened", "assigned", "comment", "comment", "closed"]
    assert [e.from_customer for e in closed.ticket.events] == [True, False, False, True, False]
    (answer,) = await events_of(app, "ticket_answered")
    assert answer.client_id == lucia and answer.context["respuesta"].startswith("Reiniciamos su antena")
    assert len(await events_of(app, "ticket_closed")) == 1
    assert {m.status for m in await events_of(app, "staff.ticket")} == {MessageStatus.SENT}
    with pytest.raises(NotAllowed, match="closed"):
        await app.perform(tickets.comment, people["manager"], t.id, "otra")
    with pytest.raises(NotAllowed, match="closed: open a new one"):
        await app.perform(tickets.customer_comments, lucia, t.id, "sigue fallando", "portal")


async def test_a_notice_queued_while_telegram_fails_is_retried_and_arrives_once(app: App, isp: Any) -> None:
    await team(app)
    lucia = await sold_client(app, isp)
    async with telegram_rig(app) as rig:
        try:
            await app.perform(tickets.customer_opens, lucia.id, "Sin señal", "telegram")
            rig.telegram.fail_next("sendMessage", 500)  # Telegram fails for the first chat
            await outbox.send_due(app, concurrency=1)
            (waiting,) = [m for m in await events_of(app, "staff.ticket") if m.status is MessageStatus.PENDING]
            assert "Server Error" in (waiting.last_error or "") and waiting.attempts == 1
            async with app.uow() as uow:  # its retry falls due
                await uow.session.execute(
                    update(Message).where(Message.id == waiting.id).values(next_attempt_at=DUE)
                )
                await uow.commit()
            await outbox.send_due(app)
            await outbox.send_due(app)  # nothing left: nobody gets it twice
            for chat in (1002, 1004, 1005):
                got = [r for r in rig.telegram.sent(chat) if "Sin señal" in (r["text"] or "")]
                assert len(got) == 1, (chat, got)
            retried = waiting.staff_chat_id or 0
            card = await rig.tap_text(retried, got_for(rig, retried, "Sin señal"), "Open")
            assert "Sin señal" in card["text"] and f"(#{lucia.id})" in card["text"]

            gone = (await app.perform(tickets.customer_opens, lucia.id, "Se fue la luz", "portal")).ticket
            await app.perform(tickets.close, Actor.cli(), gone.id)  # fixed before Telegram came back
            await outbox.send_due(app)
            assert not [r for r in rig.telegram.sent() if "Se fue la luz" in (r["text"] or "")]
            late = [m for m in await events_of(app, "staff.ticket") if m.context["params"]["ticket"] == gone.id]
            assert len(late) == 3 and {m.status for m in late} == {MessageStatus.SKIPPED}
        finally:
            await outbox.aclose(app)


def got_for(rig: BotRig, chat: int, text: str) -> dict[str, Any]:
    return next(r for r in rig.telegram.sent(chat) if text in (r["text"] or ""))["message"]


async def test_technicians_cannot_close_or_answer_someone_elses_ticket(app: App, isp: Any) -> None:
    people = await team(app)
    lucia = await sold_client(app, isp)
    t = (await app.perform(tickets.open_ticket, people["cashier"], lucia.id, "Lento por las noches")).ticket
    with pytest.raises(NotAllowed, match="Take ticket"):
        await app.perform(tickets.close, people["beto"], t.id)
    await app.perform(tickets.take, people["ana"], t.id)
    for action in (tickets.close, tickets.take):
        with pytest.raises(NotAllowed, match="assigned to Ana Técnica"):
            await app.perform(action, people["beto"], t.id)
    with pytest.raises(NotAllowed, match="assigned to Ana Técnica"):
        await app.perform(tickets.comment, people["beto"], t.id, "yo lo veo")
    with pytest.raises(NotAllowed, match="role may not"):
        await app.perform(tickets.assign, people["beto"], t.id, 1005)
    async with app.reader() as uow:
        assert [x.id for x in await tickets.list_tickets(uow, people["beto"])] == []
        assert [x.id for x in await tickets.list_tickets(uow, people["ana"])] == [t.id]
    closed = await app.perform(tickets.close, people["manager"], t.id)
    assert closed.ticket.status is TicketStatus.CLOSED


async def test_bad_input_changes_nothing(app: App, isp: Any) -> None:
    people = await team(app)
    lucia = await sold_client(app, isp)
    for text, reason in [("   ", "required"), ("x" * 2001, "too long"), ("hola\x1b[31m", "cannot be shown")]:
        with pytest.raises(InvalidInput, match=reason):
            await app.perform(tickets.customer_opens, lucia.id, text, "telegram")
    t = (await app.perform(tickets.open_ticket, Actor.cli(), lucia.id, "Cambio de domicilio")).ticket
    with pytest.raises(NotFound, match="Telegram id 4242"):
        await app.perform(tickets.assign, Actor.cli(), t.id, 4242)
    with pytest.raises(NotFound, match="No ticket 999"):
        await app.perform(tickets.close, Actor.cli(), 999)
    with pytest.raises(NotFound, match="No client with id 999"):
        await app.perform(tickets.open_ticket, Actor.cli(), 999, "x")
    with pytest.raises(NotFound):
        await app.perform(tickets.customer_comments, lucia.id + 1, t.id, "no es mío", "portal")
    with pytest.raises(InvalidInput, match="Unknown ticket status"):
        tickets.parse_status("pendiente")
    for n in range(tickets.MAX_OPEN_PER_CLIENT - 1):
        await app.perform(tickets.customer_opens, lucia.id, f"Problema {n}", "telegram")
    with pytest.raises(InvalidInput, match="already have 5 open tickets"):
        await app.perform(tickets.customer_opens, lucia.id, "Otra vez", "telegram")
    assert people


async def test_the_daily_report_counts_tickets_opened_closed_and_open_by_age(app: App, isp: Any) -> None:
    lucia = await sold_client(app, isp)
    days = {}
    for ago in (10, 5, 2, 0, 0):
        pin(app, dt.date(2026, 6, 20) - dt.timedelta(days=ago), hour=9)
        days[ago] = (
            await app.perform(tickets.open_ticket, Actor.cli(), lucia.id, f"hace {ago} días")
        ).ticket.id
    pin(app, dt.date(2026, 6, 20), hour=15)
    await app.perform(tickets.close, Actor.cli(), days[5])
    report = await daily_report(app, dt.date(2026, 6, 20))
    counts = report.tickets
    assert (counts.opened, counts.closed, counts.still_open) == (2, 1, 4)
    assert counts.open_by_age == {"day": 2, "days": 1, "week": 0, "older": 1}
    text = report_text(report, app.settings, "en")
    assert "Tickets: 2 opened, 1 closed; still open 4 (under a day 2, 1–3 days 1, over a week 1)" in text
    earlier = await daily_report(app, dt.date(2026, 6, 15))
    assert (earlier.tickets.opened, earlier.tickets.still_open) == (1, 2)


def test_tickets_on_the_command_line(cli_env: Any, threaded_emulator: Any) -> None:
    cli_centro(
        threaded_emulator.port,
        ["staff", "add", "--telegram-id", "1004", "--name", "Tec", "--role", "technician"],
    )
    opened = cli("ticket", "open", "juan", "--subject", "Sin servicio")
    assert opened.exit_code == 0 and "Ticket 1 opened for Juan Pérez" in opened.stdout
    assigned = cli("ticket", "assign", "1", "1004")
    assert assigned.exit_code == 0 and "assigned to Tec" in assigned.stdout
    assert "Not told in Telegram: ANTENA_TELEGRAM_TOKEN is not set" in assigned.stderr
    for args, reason in [
        (["ticket", "assign", "1", "99"], "No active staff member with Telegram id 99"),
        (["ticket", "assign", "x1", "1004"], "must be a number"),
        (["ticket", "list", "--status", "pending"], "Unknown ticket status"),
        (["ticket", "open", "nadie", "--subject", "x"], "No client matches"),
        (["ticket", "open", "juan", "--subject", " "], "Subject is required"),
    ]:
        refused = cli(*args)
        assert refused.exit_code == 1 and reason in refused.stderr, (args, refused.stderr)
    assert cli("ticket", "comment", "1", "Vamos mañana").exit_code == 0
    assert cli("ticket", "close", "1", "--note", "Cable cambiado").exit_code == 0
    listed = cli("ticket", "list", "--status", "closed")
    assert "#1" in listed.stdout and "Tec" in listed.stdout and "closed" in listed.stdout
    shown = cli("ticket", "show", "1")
    assert "Vamos mañana" in shown.stdout and "Cable cambiado" in shown.stdout
    assert cli("ticket", "close", "1").exit_code == 1
