"""Ticket notices are worded and signed in core (the worker sends them without the bot), so their
"Open" button must be exactly what the bot's ``TicketCb`` handler accepts."""

from __future__ import annotations

import pytest

from antena.bot.callbacks import signed, verified
from antena.bot.fieldwork_ui import TicketCb
from antena.core import ticket_notices
from antena.core.i18n import language
from antena.core.notify import staff

SECRET = "test-secret-key-not-for-production"


@pytest.mark.parametrize("ticket_id", [1, 42, 999_999_999])
def test_the_open_button_is_the_bots_own_payload(ticket_id: int) -> None:
    payload = ticket_notices.open_payload(SECRET, ticket_id)
    assert payload == signed(SECRET, TicketCb(action="show", ticket_id=ticket_id))
    assert verified(SECRET, TicketCb.unpack(payload))
    assert not verified("another-instance", TicketCb.unpack(payload))


def test_each_kind_reads_as_before_in_both_languages() -> None:
    p = {"ticket": 7, "client": "Lucía", "subject": "Sin internet", "by": "Cajera", "text": "Gracias"}
    text = ticket_notices.notice_text
    with language("en"):
        assert text("ticket_new", p) == "New ticket 7 from Lucía: Sin internet"
        assert text("ticket_assigned", p) == "Cajera gave you ticket 7 (Lucía): Sin internet"
        assert text("ticket_comment", p) == "Lucía wrote on ticket 7: Gracias"
    with language("es"):
        assert text("ticket_new", p) == "Nuevo ticket 7 de Lucía: Sin internet"
        assert text("ticket_assigned", p) == "Cajera te asignó el ticket 7 (Lucía): Sin internet"


def test_the_worker_finds_the_renderer() -> None:
    assert staff.renderer(ticket_notices.STAFF_EVENT) is ticket_notices.staff_note
