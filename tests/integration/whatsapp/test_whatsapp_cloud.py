"""WhatsApp through Meta's Cloud API against the local double: templates outside the 24-hour window,
free text inside it, delivery statuses through the signed webhook, failures retried or final, the
verification handshake, and the estimated cost in the daily report."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import httpx
from sqlalchemy import select, update

from antena.core.bootstrap import App
from antena.core.db.message_models import Message, MessageStatus
from antena.core.db.models import Client
from antena.core.db.whatsapp_models import WhatsAppCloudMessage, WhatsAppContact
from antena.core.notify import events
from antena.core.reports import daily_report
from antena.core.reports.text import report_text
from antena.doubles.whatsapp_cloud import WhatsAppCloudDouble, signed_post
from tests.billing_helpers import add_client, billing_isp
from tests.integration.notify_helpers import drain, messages, queue_portal_link

URL = "http://portal.test/whatsapp/webhook"
PHONE = "+525512345678"


async def juan(app: App) -> Client:
    return await add_client(app, await billing_isp(app), "Juan Pérez", phone="55 1234 5678")


async def cloud_rows(app: App) -> list[WhatsAppCloudMessage]:
    async with app.reader() as uow:
        return list((await uow.session.execute(select(WhatsAppCloudMessage))).scalars())


async def due_now(app: App) -> None:
    async with app.uow() as uow:
        await uow.session.execute(
            update(Message).values(next_attempt_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
        )
        await uow.commit()


async def test_outside_the_window_an_approved_template_goes_with_numbered_parameters(
    wa_app: App, wa: WhatsAppCloudDouble, portal: httpx.ASGITransport
) -> None:
    client = await juan(wa_app)
    await queue_portal_link(wa_app, client.id)
    await drain(wa_app)

    (sent,) = wa.messages
    assert sent["type"] == "template" and sent["template"] == "aviso_portal" and sent["language"] == "en_US"
    assert sent["to"] == PHONE.lstrip("+") and sent["params"][0] == "Juan Pérez"
    assert sent["params"][1].startswith("http://portal.test/a/")
    (msg,) = await messages(wa_app)
    assert (
        msg.status is MessageStatus.SENT
        and msg.channel == "whatsapp_cloud"
        and msg.provider_sid == sent["wamid"]
    )

    assert await wa.deliver(URL, transport=portal) == ["delivered"]
    (msg,) = await messages(wa_app)
    assert msg.status is MessageStatus.DELIVERED and msg.provider_status == "delivered"
    (row,) = await cloud_rows(wa_app)
    assert (row.kind, row.category, row.status) == ("template", "utility", "delivered")


async def test_inside_the_window_free_text_goes(
    wa_app: App, wa: WhatsAppCloudDouble, portal: httpx.ASGITransport
) -> None:
    client = await juan(wa_app)
    answer = await wa.inbound(URL, PHONE, "hola, ¿mi saldo?", transport=portal)
    assert answer.status_code == 200
    async with wa_app.reader() as uow:
        contact = await uow.session.get(WhatsAppContact, client.id)
        assert contact is not None and contact.last_inbound_at is not None, (
            "the inbound message opened the window"
        )

    await queue_portal_link(wa_app, client.id)
    await drain(wa_app)

    (sent,) = wa.messages
    (msg,) = await messages(wa_app)
    assert sent["type"] == "text" and sent["text"] == msg.body and "http://portal.test/a/" in msg.body
    await wa.deliver(URL, transport=portal)
    (row,) = await cloud_rows(wa_app)
    assert (row.kind, row.category, row.billable) == ("text", "service", False)


async def test_without_a_template_outside_the_window_the_next_channel_sends(  # SMS: console here
    wa_app: App, wa: WhatsAppCloudDouble
) -> None:
    client = await juan(wa_app)
    async with wa_app.uow() as uow:
        row = await uow.session.get(Client, client.id)
        assert row is not None
        await events.welcome(uow.session, wa_app, row)  # no approved template for "welcome"
        await uow.commit()
    await drain(wa_app)
    (msg,) = await messages(wa_app)
    assert wa.messages == [] and msg.status is MessageStatus.SENT and msg.channel == "console"
    assert "no approved template" in (msg.last_error or "")


async def test_a_transient_failure_is_retried_and_an_undeliverable_number_fails(
    wa_app: App, wa: WhatsAppCloudDouble, portal: httpx.ASGITransport
) -> None:
    client = await juan(wa_app)
    await queue_portal_link(wa_app, client.id)
    await drain(wa_app)
    (first,) = wa.messages
    await wa.status(
        URL, first["wamid"], "failed", code=131000, title="Something went wrong", transport=portal
    )
    (msg,) = await messages(wa_app)
    assert msg.status is MessageStatus.PENDING and "131000" in (msg.last_error or ""), "retried, not lost"
    await due_now(wa_app)
    await drain(wa_app)
    assert len(wa.messages) == 2
    (msg,) = await messages(wa_app)
    assert msg.status is MessageStatus.SENT and msg.provider_sid == wa.messages[1]["wamid"]

    wa.undeliverable.add(PHONE)
    await wa.deliver(URL, transport=portal)  # the number turns out to have no WhatsApp
    (msg,) = await messages(wa_app)
    assert msg.status is MessageStatus.FAILED and "131026" in (msg.last_error or ""), "no retry can help"
    await queue_portal_link(wa_app, client.id)
    await drain(wa_app)
    assert len(wa.messages) == 2 and (await messages(wa_app))[-1].channel == "console", "next ones go by SMS"


async def test_free_text_after_the_window_closed_comes_back_as_a_template(
    wa_app: App, wa: WhatsAppCloudDouble, portal: httpx.ASGITransport
) -> None:
    client = await juan(wa_app)
    await wa.inbound(URL, PHONE, "hola", transport=portal)
    wa.inbound_at[PHONE.lstrip("+")] -= dt.timedelta(hours=25)  # Meta's window had closed already
    await queue_portal_link(wa_app, client.id)
    await drain(wa_app)
    await wa.deliver(URL, transport=portal)
    (msg,) = await messages(wa_app)
    assert msg.status is MessageStatus.PENDING and "131047" in (msg.last_error or "")
    await drain(wa_app)
    assert [m["type"] for m in wa.messages] == ["text", "template"]


async def test_a_wrong_signature_is_refused_and_changes_nothing(
    wa_app: App, wa: WhatsAppCloudDouble, portal: httpx.ASGITransport
) -> None:
    client = await juan(wa_app)
    payload = {
        "entry": [{"changes": [{"value": {"messages": [{"from": "5215512345678", "timestamp": "1"}]}}]}]
    }
    forged = await signed_post(URL, payload, "not-the-app-secret", transport=portal)
    async with httpx.AsyncClient(transport=portal) as http:
        unsigned = await http.post(URL, json=payload)
    assert (forged.status_code, unsigned.status_code) == (403, 403)
    async with wa_app.reader() as uow:
        assert await uow.session.get(WhatsAppContact, client.id) is None


async def test_the_verification_handshake(wa_app: App, portal: httpx.ASGITransport) -> None:
    async with httpx.AsyncClient(transport=portal) as http:
        ok = await http.get(
            URL,
            params={"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444"},
        )
        wrong = await http.get(
            URL, params={"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"}
        )
    assert (ok.status_code, ok.text) == (200, "1158201444")
    assert wrong.status_code == 403


async def test_the_daily_report_estimates_the_whatsapp_cost(
    wa_app: App, wa: WhatsAppCloudDouble, portal: httpx.ASGITransport
) -> None:
    client = await juan(wa_app)
    await queue_portal_link(wa_app, client.id)
    await drain(wa_app)
    await wa.deliver(URL, transport=portal)
    report = await daily_report(wa_app)
    assert report.whatsapp_messages == 1 and report.whatsapp_cost == Decimal("0.16")
    assert "WhatsApp Cloud: 1 message" in report_text(report, wa_app.settings, "en")
