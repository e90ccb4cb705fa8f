"""Conekta end to end: the official SDK makes each client's OXXO reference and CLABE on the local
Conekta double; the double plays the customer paying at OXXO and sends its webhook (signed with
its RSA key, as Conekta signs) to the web server over HTTP; the payment is registered once, the
client reconnected on the RouterOS emulator, the cashiers told through the message outbox (a
worker pass sends them through the Telegram double), and anything doubtful (unknown reference,
amount, refund) waits for a cashier's button."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from antena.core.audit import Actor
from antena.core.clients import lifecycle
from antena.core.config import Settings
from antena.core.db.billing_models import InvoiceStatus, PaymentMethod
from antena.core.db.message_models import Message, MessageStatus
from antena.core.db.pay_models import PaymentRef
from antena.core.payments import references
from antena.core.reports.daily import daily_report
from antena.core.reports.text import report_text
from antena.doubles.conekta import ConektaDouble, Literal
from antena.doubles.mercadopago import MercadoPagoDouble
from tests.botkit import ADMIN, CASHIER, MANAGER, TECH, BotRig, bot
from tests.integration.online_helpers import (
    conekta,
    counts,
    events,
    mp,
    online_settings,
    payments,
    serve,
    wait_until,
    web_port,
    worker_pass,
)
from tests.integration.payment_helpers import client, get_client, get_invoice, invoice, suspended_ips

__all__ = ["bot", "conekta", "mp", "web_port"]


@pytest.fixture
def settings(settings: Settings, conekta: ConektaDouble, mp: MercadoPagoDouble, web_port: int) -> Settings:
    return online_settings(settings, conekta, mp, web_port)


@pytest.fixture
async def web(bot: BotRig, web_port: int, conekta: ConektaDouble) -> AsyncIterator[str]:
    async with serve(bot.app, web_port) as url:
        conekta.webhook_url = f"{url}/pagos/conekta/webhook"
        yield url


async def suspended_client(
    rig: BotRig, isp: Any, name: str = "Ana López", ip: str = "10.0.0.9"
) -> tuple[Any, int]:
    """A client with a 350.00 invoice ten days overdue, suspended on the emulator."""
    app = rig.app
    ana = await client(app, isp, name, ip, phone="+525512345678")
    number = await invoice(app, ana.id, app.clock.today() - dt.timedelta(days=10), "350.00")
    report = await app.perform(lifecycle.suspend, Actor.cli(), [ana.id])
    assert not report.queued and ip in suspended_ips(isp.emulator)
    return ana, number


async def suspended_with_refs(rig: BotRig, isp: Any) -> tuple[Any, int, references.ClientRefs]:
    """``suspended_client`` with her OXXO reference and CLABE made at Conekta."""
    ana, number = await suspended_client(rig, isp)
    return ana, number, await references.create_references(rig.app, Actor.cli(), ana.id)


def text_of(record: dict[str, Any]) -> str:
    return str(record.get("text") or "")


async def test_references_are_made_once_through_the_sdk(
    bot: BotRig, isp: Any, conekta: ConektaDouble
) -> None:
    app = bot.app
    ana = await client(app, isp, "Ana López", "10.0.0.9")
    refs = await references.create_references(app, Actor.cli(), ana.id)
    assert refs.created and refs.oxxo.startswith("9300") and len(refs.oxxo) == 14
    assert refs.clabe.startswith("646180") and len(refs.clabe) == 18 and refs.bank == "STP"
    customer, cash, spei = conekta.requests
    assert customer["path"] == "/customers" and customer["body"]["name"] == "Ana López"
    assert customer["accept"] == "application/vnd.conekta-v2.3.0+json"
    assert customer["user_agent"].startswith("Conekta/v2 PythonBindings")
    assert cash["body"] == {"type": "cash_recurrent"} and spei["body"] == {"type": "spei_recurrent"}
    again = await references.create_references(app, Actor.cli(), ana.id)
    assert (again.oxxo, again.clabe, again.created) == (refs.oxxo, refs.clabe, False)
    assert len(conekta.requests) == 3, "a client who has references keeps them"
    async with app.reader() as uow:
        assert len(list(await uow.session.scalars(select(PaymentRef)))) == 2

    card = await bot.say(CASHIER, "/cliente ana", language_code="en")
    assert "OXXO reference: 9300" in card["text"] and "CLABE: 6461 80" in card["text"]


async def test_oxxo_payment_applies_reconnects_and_tells_cashiers(
    bot: BotRig, isp: Any, web: str, conekta: ConektaDouble
) -> None:
    app = bot.app
    ana, number, refs = await suspended_with_refs(bot, isp)

    event = conekta.pay(refs.oxxo, 35000)
    response = await conekta.deliver(event)

    assert response.status_code == 200 and response.json()["status"] == "applied"
    (payment,) = await payments(app)
    order_id = event["data"]["object"]["id"]
    assert payment.method is PaymentMethod.OXXO and payment.reference == order_id
    assert payment.amount == Decimal("350.00") and payment.client_id == ana.id
    assert (await get_invoice(app, number)).status is InvoiceStatus.PAID
    assert suspended_ips(isp.emulator) == [], "reconnected on the router"
    async with app.reader() as uow:
        queued = list(await uow.session.scalars(select(Message).where(Message.staff_chat_id.is_not(None))))
    assert {m.event for m in queued} == {"staff.online_payment"}, "queued with the payment"
    assert sorted(m.staff_chat_id or 0 for m in queued) == [ADMIN, MANAGER, CASHIER]
    await worker_pass(app)
    line = await bot.telegram.wait_for_message(CASHIER, lambda r: "OXXO" in text_of(r), timeout=10)
    assert "Ana López" in line["text"] and "$350.00" in line["text"] and order_id in line["text"]
    assert "Service reconnected." in line["text"]
    await bot.telegram.wait_for_message(MANAGER, lambda r: "OXXO" in text_of(r), timeout=10)
    assert not [r for r in bot.telegram.sent(TECH) if "OXXO" in text_of(r)]
    async with app.reader() as uow:
        rows = await uow.session.execute(
            select(Message.event, Message.status).where(Message.client_id == ana.id)
        )
        told = {event: status for event, status in rows.all()}
    assert "payment_received" in told, "the customer is told of the payment"
    assert told["suspended"] is MessageStatus.SKIPPED and "reactivated" not in told, (
        "cut and reconnected within ANTENA_MESSAGE_GRACE: told of neither"
    )

    report = await daily_report(app, app.clock.today())
    assert report.online == {"oxxo": Decimal("350.00")}
    assert re.search(
        r"Collected online: \S*350\.00 \(OXXO \S*350\.00\)", report_text(report, app.settings, "en")
    )


async def test_with_the_router_unreachable_the_payment_stands_and_the_line_says_queued(
    bot: BotRig, isp: Any, web: str, conekta: ConektaDouble
) -> None:
    app = bot.app
    _ana, number, refs = await suspended_with_refs(bot, isp)
    isp.emulator.unreachable = True

    response = await conekta.deliver(conekta.pay(refs.oxxo, 35000))

    assert response.json()["status"] == "applied"
    assert (await get_invoice(app, number)).status is InvoiceStatus.PAID
    await worker_pass(app)
    line = await bot.telegram.wait_for_message(CASHIER, lambda r: "OXXO" in text_of(r), timeout=10)
    assert "Reconnection queued: the router is unreachable." in line["text"]
    assert "Service reconnected." not in line["text"]
    isp.emulator.unreachable = False


async def test_the_same_event_twice_and_its_twin_make_one_payment(
    bot: BotRig, isp: Any, web: str, conekta: ConektaDouble
) -> None:
    app = bot.app
    _ana, _number, refs = await suspended_with_refs(bot, isp)
    event = conekta.pay(refs.oxxo, 35000)

    first = await conekta.deliver(event)
    again = await conekta.deliver(event)
    twin = await conekta.deliver(conekta.charge_event(event["data"]["object"]["id"]))

    assert first.json()["status"] == "applied"
    assert again.status_code == 200 and again.json() == {**first.json(), "repeated": True}
    assert twin.status_code == 200 and twin.json()["status"] == "duplicate"
    assert await counts(app) == (2, 1), "two events stored, one payment"


async def test_a_bad_signature_is_refused_and_nothing_is_stored(
    bot: BotRig, isp: Any, web: str, conekta: ConektaDouble
) -> None:
    app = bot.app
    _ana, _number, refs = await suspended_with_refs(bot, isp)
    event = conekta.pay(refs.oxxo, 35000)
    body = conekta.encode(event)
    impostor = ConektaDouble()

    forged = await conekta.deliver(event, digest=impostor.sign(body))
    missing = await conekta.deliver(event, digest="")
    junk = await conekta.deliver(event, digest="not base64!")
    tampered = await conekta.deliver(event, body=body.replace(b"35000", b"35001"), digest=conekta.sign(body))

    assert [r.status_code for r in (forged, missing, junk, tampered)] == [401, 401, 401, 401]
    assert await counts(app) == (0, 0)
    assert suspended_ips(isp.emulator) == ["10.0.0.9"]


async def test_a_refund_before_its_payment_changes_nothing_and_asks_the_cashiers(
    bot: BotRig, isp: Any, web: str, conekta: ConektaDouble
) -> None:
    app = bot.app
    _ana, number, refs = await suspended_with_refs(bot, isp)
    paid = conekta.pay(refs.oxxo, 35000)
    refund = conekta.refund(paid["data"]["object"]["id"])

    first = await conekta.deliver(refund)
    late = await conekta.deliver(paid)

    assert first.json()["status"] == "review" and late.json()["status"] == "stale"
    assert await payments(app) == []
    assert (await get_invoice(app, number)).status is InvoiceStatus.PENDING
    assert suspended_ips(isp.emulator) == ["10.0.0.9"]
    await worker_pass(app)
    ask = await bot.telegram.wait_for_message(CASHIER, lambda r: "needs a decision" in text_of(r), timeout=10)
    assert "refund" in ask["text"] and "Nothing had been applied." in ask["text"]
    bot.telegram.tap_button(CASHIER, ask["message"], "Ignore")
    await bot.telegram.wait_for_message(CASHIER, lambda r: "ignorado" in text_of(r), timeout=10)
    assert [e.status for e in await events(app)] == ["ignored", "stale"]


async def test_a_refund_of_an_applied_payment_is_reversed_by_a_cashier(
    bot: BotRig, isp: Any, web: str, conekta: ConektaDouble
) -> None:
    app = bot.app
    _ana, number, refs = await suspended_with_refs(bot, isp)
    paid = conekta.pay(refs.oxxo, 35000)
    assert (await conekta.deliver(paid)).json()["status"] == "applied"

    refunded = await conekta.deliver(conekta.refund(paid["data"]["object"]["id"]))

    assert refunded.json()["status"] == "review"
    assert len(await payments(app)) == 1, "a refund never takes money back by itself"
    await worker_pass(app)
    ask = await bot.telegram.wait_for_message(CASHIER, lambda r: "needs a decision" in text_of(r), timeout=10)
    assert "The payment had been applied." in ask["text"]
    bot.telegram.tap_button(CASHIER, ask["message"], "Reverse the payment")
    done = await bot.telegram.wait_for_message(CASHIER, lambda r: "revertido" in text_of(r), timeout=10)
    assert f"facturas {number} vuelven a estar pendientes" in done["text"]
    assert await payments(app) == []
    assert (await get_invoice(app, number)).status is InvoiceStatus.PENDING
    theirs = await bot.telegram.wait_for_message(MANAGER, lambda r: "needs a decision" in text_of(r))
    bot.telegram.tap_button(MANAGER, theirs["message"], "Reverse the payment")
    again = await bot.telegram.wait_for_message(
        MANAGER, lambda r: "ya fue resuelto" in text_of(r), timeout=10
    )
    assert "Cajera" in again["text"], "says who decided it"


async def test_an_unknown_reference_goes_to_the_cashiers_who_name_the_client(
    bot: BotRig, isp: Any, web: str, conekta: ConektaDouble
) -> None:
    app = bot.app
    ana, number = await suspended_client(bot, isp)

    response = await conekta.deliver(conekta.pay("93000000000001", 35000))

    assert response.json()["status"] == "review" and await payments(app) == []
    await worker_pass(app)
    ask = await bot.telegram.wait_for_message(CASHIER, lambda r: "needs a decision" in text_of(r), timeout=10)
    assert "unknown reference" in ask["text"] and "93000000000001" in ask["text"]
    bot.telegram.tap_button(CASHIER, ask["message"], "Apply to a client…")
    await bot.telegram.wait_for_message(CASHIER, lambda r: "¿De qué cliente" in text_of(r), timeout=10)
    done = await bot.say(CASHIER, "Ana López", language_code="en")
    assert "applied to Ana López" in done["text"]
    (payment,) = await payments(app)
    assert (
        payment.client_id == ana.id
        and payment.method is PaymentMethod.OXXO
        and payment.amount == Decimal("350.00")
    )
    assert (await get_invoice(app, number)).status is InvoiceStatus.PAID
    await wait_until(lambda: _reconnected(isp))


async def _reconnected(isp: Any) -> bool:
    return suspended_ips(isp.emulator) == []


async def test_an_amount_that_does_not_match_waits_and_can_be_applied(
    bot: BotRig, isp: Any, web: str, conekta: ConektaDouble
) -> None:
    app = bot.app
    ana, number, refs = await suspended_with_refs(bot, isp)

    response = await conekta.deliver(conekta.pay(refs.clabe, 20000))

    assert response.json()["status"] == "review" and await payments(app) == []
    await worker_pass(app)
    ask = await bot.telegram.wait_for_message(CASHIER, lambda r: "needs a decision" in text_of(r), timeout=10)
    assert "SPEI" in ask["text"] and "$200.00" in ask["text"] and "owes 350.00" in ask["text"]
    bot.telegram.tap_button(CASHIER, ask["message"], "Apply to Ana López")
    await bot.telegram.wait_for_message(CASHIER, lambda r: "aplicado a Ana López" in text_of(r), timeout=10)
    (payment,) = await payments(app)
    assert payment.method is PaymentMethod.SPEI and payment.amount == Decimal("200.00")
    assert (await get_invoice(app, number)).balance_due == Decimal("150.00")
    assert (await get_client(app, ana.id)).status.value == "suspended", "still owes: stays cut"


async def test_bad_input_is_refused_or_held_never_applied(
    bot: BotRig, isp: Any, web: str, conekta: ConektaDouble
) -> None:
    app = bot.app
    _ana, number, refs = await suspended_with_refs(bot, isp)

    malformed = b'{"id": "evt_1", "type": "order.paid", "data": {'
    bad_json = await conekta.deliver({}, body=malformed)
    nan = b'{"id": "evt_2", "type": "order.paid", "data": {"object": {"amount": NaN}}}'
    bad_nan = await conekta.deliver({}, body=nan)
    huge = await conekta.deliver({}, body=b'{"pad": "' + b"x" * 70_000 + b'"}')
    assert (bad_json.status_code, bad_nan.status_code, huge.status_code) == (400, 400, 413)
    assert "JSON" in bad_json.json()["error"]
    assert await counts(app) == (0, 0)

    ping = {
        "data": {"action": "ping", "livemode": False},
        "id": "ping-1",
        "type": "webhook_ping",
        "livemode": False,
    }
    assert (await conekta.deliver(ping)).json()["status"] == "ignored", (
        "the panel's test ping is answered 200"
    )

    exponent = await conekta.deliver(conekta.pay(refs.oxxo, Literal("3.5e4")))
    text = await conekta.deliver(conekta.pay(refs.oxxo, "35000"))
    live = await conekta.deliver(conekta.pay(refs.oxxo, 35000, livemode=True))

    assert [r.json()["status"] for r in (exponent, text, live)] == ["review", "review", "ignored"]
    stored = (await events(app))[1:]
    assert [e.reason for e in stored] == ["bad_amount", "bad_amount", None]
    assert stored[0].detail == {"problem": "not_cents", "value": "3.5e4"}
    assert stored[1].detail == {"problem": "not_cents", "value": '"35000"'}
    assert await payments(app) == [] and (await get_invoice(app, number)).status is InvoiceStatus.PENDING
    await worker_pass(app)
    # two reviews wait (the exponent and the quoted amount); the worker sends them in any order
    ask = await bot.telegram.wait_for_message(CASHIER, lambda r: "3.5e4" in text_of(r), timeout=10)
    assert "cannot be used" in ask["text"] and "the amount 3.5e4 is not a whole number of cents" in ask["text"]
    assert "Ignore" in str(ask["message"]["reply_markup"]) and "Apply" not in str(
        ask["message"]["reply_markup"]
    )


async def test_reminders_carry_the_references_and_the_payment_link(bot: BotRig, isp: Any) -> None:
    from antena.core.notify.events import queue_reminders
    from antena.core.notify.templates import TemplateStore

    app = bot.app
    ana = await client(app, isp, "Ana López", "10.0.0.9", phone="+525512345678")
    today = app.clock.today()
    await invoice(app, ana.id, today, "350.00")
    refs = await references.create_references(app, Actor.cli(), ana.id)
    assert await queue_reminders(app, today) == 1
    async with app.reader() as uow:
        (message,) = await uow.session.scalars(select(Message).where(Message.event == "due_today"))
    assert message.context["referencia_oxxo"] == refs.oxxo and message.context["clabe"] == refs.clabe
    assert message.context["url_pago"].startswith(f"{app.settings.portal_url}/pagar/")
    text = TemplateStore(app.settings).render("due_today", "es", message.context).text
    assert f"con la referencia {refs.oxxo}" in text and "/pagar/" in text


async def test_the_invoice_pdf_shows_the_references_and_a_barcode(
    app: Any, isp: Any, conekta: ConektaDouble, tmp_path: Path
) -> None:
    import shutil
    import subprocess

    from antena.core.billing.pdf import invoice_pdf

    if shutil.which("pdftotext") is None:
        pytest.skip("needs poppler-utils")
    ana = await client(app, isp, "Ana López", "10.0.0.9")
    number = await invoice(app, ana.id, app.clock.today(), "350.00")
    refs = await references.create_references(app, Actor.cli(), ana.id)
    pdf = await invoice_pdf(app, number, lang="es")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert "Pague en efectivo en OXXO con esta referencia" in text
    assert references.barcode.grouped(refs.oxxo) in text and references.barcode.grouped(refs.clabe) in text
    if shutil.which("pdftoppm"):  # printed and scanned at the counter
        import zxingcpp
        from PIL import Image

        (tmp_path / "f.pdf").write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", "200", "-png", "-singlefile", str(tmp_path / "f.pdf"), str(tmp_path / "f")],
            check=True,
        )
        assert [r.text for r in zxingcpp.read_barcodes(Image.open(tmp_path / "f.png"))] == [refs.oxxo]
