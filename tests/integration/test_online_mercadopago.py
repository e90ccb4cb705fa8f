"""Mercado Pago end to end: the portal's "Pagar ahora" makes a preference through the official SDK
on the local double; the double approves the payment and sends its notification (``x-signature``
signed as Mercado Pago signs it) to the web server; the payment is read back through the SDK,
registered once, the client reconnected on the RouterOS emulator and the cashiers told."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from antena.core import links
from antena.core.audit import Actor
from antena.core.clients import lifecycle
from antena.core.config import Settings
from antena.core.db.billing_models import InvoiceStatus, PaymentMethod
from antena.core.payments.references import pay_url
from antena.doubles.conekta import ConektaDouble
from antena.doubles.mercadopago import Literal, MercadoPagoDouble, signature
from tests.botkit import CASHIER, BotRig, bot
from tests.integration.online_helpers import (
    conekta,
    counts,
    events,
    mp,
    online_settings,
    payments,
    serve,
    web_port,
    worker_pass,
)
from tests.integration.payment_helpers import client, get_client, get_invoice, invoice, suspended_ips

__all__ = ["bot", "conekta", "mp", "web_port"]


@pytest.fixture
def settings(settings: Settings, conekta: ConektaDouble, mp: MercadoPagoDouble, web_port: int) -> Settings:
    return online_settings(settings, conekta, mp, web_port)


@pytest.fixture
async def web(bot: BotRig, web_port: int, mp: MercadoPagoDouble) -> AsyncIterator[str]:
    async with serve(bot.app, web_port) as url:
        mp.webhook_url = f"{url}/pagos/mercadopago/webhook"
        yield url


async def suspended_client(rig: BotRig, isp: Any) -> tuple[Any, int]:
    app = rig.app
    ana = await client(app, isp, "Ana López", "10.0.0.9")
    number = await invoice(app, ana.id, app.clock.today() - dt.timedelta(days=10), "350.00")
    await app.perform(lifecycle.suspend, Actor.cli(), [ana.id])
    assert suspended_ips(isp.emulator) == ["10.0.0.9"]
    return ana, number


def csrf_of(html: str) -> str:
    marker = 'name="csrf" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def text_of(record: dict[str, Any]) -> str:
    return str(record.get("text") or "")


async def test_pay_now_links_and_the_approved_payment_reconnects(
    bot: BotRig, isp: Any, web: str, mp: MercadoPagoDouble
) -> None:
    app = bot.app
    ana, number = await suspended_client(bot, isp)
    async with httpx.AsyncClient(base_url=web, headers={"accept-language": "en"}, timeout=60) as http:
        signed_in = await http.get(pay_url(app, ana.id, 0).removeprefix(web))
        assert signed_in.status_code == 303 and signed_in.headers["location"] == "/portal/pagar"
        page = await http.get("/portal/pagar")
        assert page.status_code == 200 and "Pay now" in page.text and f"#{number}" in page.text
        assert 'http-equiv="refresh"' in page.text and "/static/pay.js" in page.text, "updates itself"
        before = (await http.get("/portal/pagar/estado.json")).json()
        first = await http.post(f"/portal/pagar/mp/{number}", data={"csrf": csrf_of(page.text)})
        again = await http.post(f"/portal/pagar/mp/{number}", data={"csrf": csrf_of(page.text)})
        forged = await http.post(f"/portal/pagar/mp/{number}", data={"csrf": "nope"})
    assert first.status_code == 303 and first.headers["location"].startswith(
        f"{mp.base_url}/checkout/v1/redirect"
    )
    assert again.headers["location"] == first.headers["location"] and forged.status_code == 403
    (preference,) = mp.preferences.values()
    assert preference["external_reference"] == f"antena:{ana.id}:{number}"
    assert preference["items"][0]["unit_price"] == 350.0 and preference["items"][0]["currency_id"] == "MXN"
    assert "notification_url" not in preference, "the webhook set in the seller's panel is the signed one"
    assert preference["back_urls"]["success"] == f"{web}/portal/pagar"
    made = next(r for r in mp.requests if r["path"] == "/checkout/preferences")
    assert made["headers"]["Authorization"] == f"Bearer {mp.access_token}"
    assert made["headers"]["User-Agent"].startswith("MercadoPago Python SDK")

    payment = mp.approve(preference["id"])
    response = await mp.notify(payment["id"], "payment.created", notification_id=777)

    assert response.status_code == 200 and response.json()["status"] == "applied"
    (registered,) = await payments(app)
    assert registered.method is PaymentMethod.MERCADOPAGO and registered.reference == str(payment["id"])
    assert registered.amount == Decimal("350.00")
    assert (await get_invoice(app, number)).status is InvoiceStatus.PAID
    assert suspended_ips(isp.emulator) == []
    await worker_pass(app)
    line = await bot.telegram.wait_for_message(CASHIER, lambda r: "Mercado Pago" in text_of(r), timeout=10)
    assert "Ana López" in line["text"] and str(payment["id"]) in line["text"]

    async with httpx.AsyncClient(base_url=web, headers={"accept-language": "en"}, timeout=60) as http:
        await http.get(pay_url(app, ana.id, 0).removeprefix(web))
        after = (await http.get("/portal/pagar/estado.json")).json()
        paid_page = (await http.get("/portal/pagar")).text
    assert after["stamp"] != before["stamp"] and after["pending"] == 0 and before["pending"] == 1
    assert "Payment received" in paid_page and 'http-equiv="refresh"' not in paid_page

    repeated = await mp.notify(payment["id"], "payment.created", notification_id=777)
    updated = await mp.notify(payment["id"], "payment.updated", notification_id=778)
    assert repeated.json()["repeated"] is True and updated.json()["status"] == "duplicate"
    assert await counts(app) == (2, 1)


async def test_a_bad_signature_is_refused_and_nothing_is_stored(
    bot: BotRig, isp: Any, web: str, mp: MercadoPagoDouble
) -> None:
    app = bot.app
    ana, _number = await suspended_client(bot, isp)
    payment = mp.pay(f"antena:{ana.id}:1", "350.00")
    pid = str(payment["id"])

    wrong_secret = await mp.notify(pid, x_signature=signature("not-the-secret", pid, "req-1", 1700000000))
    other_payment = await mp.notify(pid, x_signature=signature(mp.webhook_secret, "123", "req-1", 1700000000))
    malformed = await mp.notify(pid, x_signature="v1=deadbeef")
    no_hash = await mp.notify(pid, x_signature="ts=1700000000")

    assert [r.status_code for r in (wrong_secret, other_payment, malformed, no_hash)] == [401, 401, 401, 401]
    assert await counts(app) == (0, 0)
    assert suspended_ips(isp.emulator) == ["10.0.0.9"]


async def test_a_refund_before_the_first_notification_applies_nothing(
    bot: BotRig, isp: Any, web: str, mp: MercadoPagoDouble
) -> None:
    app = bot.app
    ana, number = await suspended_client(bot, isp)
    payment = mp.pay(f"antena:{ana.id}:{number}", "350.00")
    mp.refund(payment["id"])

    late_created = await mp.notify(payment["id"], "payment.created")
    updated = await mp.notify(payment["id"], "payment.updated")

    assert late_created.json()["status"] == "review" and updated.json()["status"] == "duplicate"
    assert await payments(app) == [] and (await get_invoice(app, number)).status is InvoiceStatus.PENDING
    await worker_pass(app)
    ask = await bot.telegram.wait_for_message(CASHIER, lambda r: "needs a decision" in text_of(r), timeout=10)
    assert "refund" in ask["text"] and "Nothing had been applied." in ask["text"]
    assert (await get_client(app, ana.id)).status.value == "suspended"


async def test_bad_amounts_unknown_payers_and_junk_never_apply(
    bot: BotRig, isp: Any, web: str, mp: MercadoPagoDouble
) -> None:
    app = bot.app
    ana, number = await suspended_client(bot, isp)
    exponent = mp.pay(f"antena:{ana.id}:{number}", Literal("3.5e2"))
    stranger = mp.pay("antena:99999:1", "350.00")
    foreign = mp.pay("order-from-another-shop", "350.00")
    results = [await mp.notify(p["id"]) for p in (exponent, stranger, foreign)]
    junk = await mp.notify(exponent["id"], body=b'{"id": 1, "type": "payment", "data": ')
    unknown = await mp.notify("424242")

    assert [r.json()["status"] for r in results] == ["review", "review", "review"]
    assert junk.status_code == 400 and unknown.json()["status"] == "ignored"
    stored = await events(app)
    assert [e.reason for e in stored] == ["bad_amount", "unknown_reference", "unknown_reference", None]
    assert stored[0].detail == {"problem": "exponent", "value": "3.5e2"}
    assert await payments(app) == []
    await worker_pass(app)
    asked = [r for r in bot.telegram.sent(CASHIER) if "needs a decision" in text_of(r)]
    await bot.telegram.wait_for_message(
        CASHIER, lambda r: "order-from-another-shop" in text_of(r), timeout=10
    )
    assert len(asked) <= 3


async def test_the_portal_page_requires_a_session_and_a_current_link(bot: BotRig, isp: Any, web: str) -> None:
    app = bot.app
    ana, _number = await suspended_client(bot, isp)
    async with httpx.AsyncClient(base_url=web) as http:
        assert (await http.get("/portal/pagar")).status_code == 401
        assert (await http.get("/portal/pagar/estado.json")).status_code == 401
        assert (await http.get("/pagar/not-a-token")).status_code == 400
        await http.get(pay_url(app, ana.id, 0).removeprefix(web))
        state = await http.get("/portal/pagar/estado.json")
        assert state.status_code == 200 and state.json()["pending"] == 1
        await links.link_for(app, Actor.cli(), await get_client(app, ana.id), new=True)
        assert (await http.get("/portal/pagar/estado.json")).status_code == 401


async def test_paying_a_newer_invoices_link_pays_oldest_first(
    bot: BotRig, isp: Any, web: str, mp: MercadoPagoDouble
) -> None:
    app = bot.app
    ana = await client(app, isp, "Ana López", "10.0.0.9")
    older = await invoice(app, ana.id, app.clock.today() - dt.timedelta(days=3), "400.00")
    newer = await invoice(app, ana.id, app.clock.today() + dt.timedelta(days=27), "350.00")

    paid = await mp.notify(mp.pay(f"antena:{ana.id}:{newer}", "350.00")["id"])

    assert paid.json()["status"] == "applied", "the amount its link asked for"
    assert (await get_invoice(app, older)).balance_due == Decimal("50.00")
    assert (await get_invoice(app, newer)).balance_due == Decimal("350.00")
    wrong = await mp.notify(mp.pay(f"antena:{ana.id}:{newer}", "123.00")["id"])
    assert wrong.json()["status"] == "review"
