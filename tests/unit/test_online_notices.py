"""The cashiers' notices about online payments are worded and signed in core (the message worker
sends them without the bot), so each button must be exactly what the bot's ``OnlineCb`` handler
accepts, and each review must offer the decisions its reason allows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from antena.bot.callbacks import signed, verified
from antena.bot.handlers.online_payments import OnlineCb
from antena.core.config import Settings
from antena.core.i18n import language
from antena.core.notify import staff
from antena.core.payments import notices
from antena.core.payments.queries import EventView

SECRET = "test-secret-key-not-for-production"


class _App:
    """What the wording reads of an App: its settings."""

    def __init__(self) -> None:
        self.settings = Settings(_env_file=None, secret_key=SECRET, locale="en")  # type: ignore[call-arg]


def view(**changes: Any) -> EventView:
    base: dict[str, Any] = dict(
        id=12, provider="conekta", event_type="order.paid", status="review",
        reason="amount_mismatch", kind="paid", method="spei", amount=Decimal("200.00"),
        reference="646180111122223333", payment_id="ord_2x", client_id=7, client_name="Ana López",
        local_payment_id=None, detail={"owed": "350.00"}, received_at=dt.datetime(2025, 1, 5, tzinfo=dt.UTC),
        decided_by=None, notified=0,
    )  # fmt: skip
    return EventView(**{**base, **changes})


@pytest.mark.parametrize(
    ("event", "action", "client"), [(1, "apply", 0), (42, "ask", 0), (99_999_999, "apply", 123_456)]
)
def test_each_button_is_the_bots_own_payload(event: int, action: str, client: int) -> None:
    payload = notices.payload(SECRET, event, action, client)
    assert payload == signed(SECRET, OnlineCb(event=event, action=action, client=client))
    assert verified(SECRET, OnlineCb.unpack(payload))
    assert not verified("another-instance", OnlineCb.unpack(payload))


def labels(v: EventView) -> list[str]:
    with language("en"):
        return [label for label, _data in notices.review_buttons(_App(), v)]  # type: ignore[arg-type]


def test_each_review_offers_what_its_reason_allows() -> None:
    assert labels(view()) == ["Apply to Ana López", "Ignore"]
    assert labels(view(reason="unknown_reference", client_id=None, client_name=None)) == [
        "Apply to a client…",
        "Ignore",
    ]
    assert labels(view(reason="bad_amount", amount=None)) == ["Ignore"]
    refunded = view(reason="refund", detail={"applied": True}, local_payment_id=5)
    assert labels(refunded) == ["Reverse the payment", "Ignore"]
    assert labels(view(status="ignored")) == []


def test_the_wording_reads_as_before() -> None:
    app: Any = _App()
    with language("en"):
        review = notices.review_text(app, view())
        paid = view(status="applied", method="oxxo", detail={"invoices": [3, 4], "reactivated": True})
        line = notices.applied_text(app, paid, notices.RECONNECTED)
        waiting = notices.applied_text(app, paid, notices.QUEUED)
        plain = notices.applied_text(app, paid)
    first = review.splitlines()[0]
    assert first.startswith("Online payment #12 needs a decision: ") and first.endswith("$200.00 by SPEI.")
    assert "Client: Ana López (#7)" in review and "The client owes 350.00." in review
    assert line.endswith(
        "$200.00 by OXXO from Ana López (#7), reference ord_2x. Invoices paid: 3, 4. Service reconnected."
    )
    assert waiting.endswith("Invoices paid: 3, 4. Reconnection queued: the router is unreachable.")
    assert plain.endswith("Invoices paid: 3, 4.")
    with language("es"):
        assert "necesita una decisión" in notices.review_text(app, view())


def test_the_worker_finds_the_renderers() -> None:
    assert staff.renderer(notices.APPLIED_EVENT) is notices.staff_note
    assert staff.renderer(notices.REVIEW_EVENT) is notices.staff_note
