"""SMS through the real Twilio SDK against the local Twilio double, over HTTP."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from antena.core.bootstrap import App
from antena.core.config import Settings
from antena.core.db.message_models import MessageStatus
from antena.doubles.twilio import TwilioDouble, send_status_callback
from antena.portal.app import create_portal_app
from tests.billing_helpers import billing_isp
from tests.integration.notify_helpers import drain, messages, outbox_app, phone_client, queue_portal_link

FROM = "+15005550006"


@pytest.fixture
async def twilio() -> AsyncIterator[TwilioDouble]:
    async with TwilioDouble() as double:
        yield double


def twilio_settings(settings: Settings, twilio: TwilioDouble, **extra: object) -> Settings:
    return settings.model_copy(
        update={
            "sms_backend": "twilio",
            "twilio_account_sid": twilio.account_sid,
            "twilio_auth_token": twilio.auth_token,
            "twilio_from": FROM,
            "twilio_api_url": twilio.base_url,
            "company_name": "Red Norte",
            "sms_rate_per_second": 5.0,
            "notify_backoff_base": 0.01,
            "notify_backoff_max": 0.05,
            **extra,
        }
    )


@pytest.fixture
async def tapp(settings: Settings, twilio: TwilioDouble) -> AsyncIterator[App]:
    from pydantic import SecretStr

    s = twilio_settings(settings, twilio, twilio_auth_token=SecretStr(twilio.auth_token))
    async with outbox_app(s) as application:
        yield application


async def test_sms_sent_with_to_from_body(tapp: App, twilio: TwilioDouble) -> None:
    isp = await billing_isp(tapp)
    client = await phone_client(tapp, isp, "Ana López", "+52 55 1234 5678", language="es")
    await queue_portal_link(tapp, client.id)
    await drain(tapp)
    assert len(twilio.messages) == 1
    sent = twilio.messages[0]
    assert sent["To"] == client.phone == "+525512345678"
    assert sent["From"] == FROM
    assert sent["Body"].startswith("Estimado cliente de la empresa Red Norte . Le anexo su link")
    assert "http://portal.test" in sent["Body"]
    (row,) = await messages(tapp)
    assert row.status is MessageStatus.SENT and row.channel == "sms"
    assert row.provider_sid == sent["sid"] and row.provider_status == "queued"
    assert (row.encoding, row.segments) == ("GSM-7", 1)


async def test_throttle_per_sender(tapp: App, twilio: TwilioDouble) -> None:
    isp = await billing_isp(tapp)
    for n in range(6):
        c = await phone_client(tapp, isp, f"Cliente {n}", f"+52551234560{n}")
        await queue_portal_link(tapp, c.id)
    started = time.monotonic()
    await drain(tapp)
    elapsed = time.monotonic() - started
    assert len(twilio.messages) == 6
    # 6 SMS at 5/s: the first goes at once, the others 0.2 s apart → at least 1 s.
    assert elapsed >= 0.95
    gaps = [b["at"] - a["at"] for a, b in zip(twilio.messages, twilio.messages[1:], strict=False)]
    assert min(gaps) >= 0.15


async def test_invalid_number_marked_failed_with_reason(tapp: App, twilio: TwilioDouble) -> None:
    isp = await billing_isp(tapp)
    client = await phone_client(tapp, isp, "Beto Ruiz", "+52 55 0000 0000")
    twilio.invalid_numbers.add(client.phone or "")
    await queue_portal_link(tapp, client.id)
    await drain(tapp)
    (row,) = await messages(tapp)
    assert row.status is MessageStatus.FAILED
    assert row.attempts == 1
    assert "21211" in (row.last_error or "") and "not a valid phone number" in (row.last_error or "")
    assert twilio.messages == []


async def test_server_error_retried_then_sent(tapp: App, twilio: TwilioDouble) -> None:
    isp = await billing_isp(tapp)
    client = await phone_client(tapp, isp, "Carla Díaz", "+525511112222")
    twilio.fail_next(500)
    twilio.fail_next(429)
    await queue_portal_link(tapp, client.id)
    await drain(tapp)
    (row,) = await messages(tapp)
    assert row.status is MessageStatus.SENT
    assert row.attempts == 3
    assert len(twilio.requests) == 3 and len(twilio.messages) == 1


async def test_status_callback_signature(tapp: App, twilio: TwilioDouble) -> None:
    isp = await billing_isp(tapp)
    client = await phone_client(tapp, isp, "Dora Paz", "+525533334444")
    await queue_portal_link(tapp, client.id)
    await drain(tapp)
    sid = twilio.messages[0]["sid"]
    web = create_portal_app(tapp)  # the route the portal really serves
    url = "http://portal.test/twilio/status"
    params = {"MessageSid": sid, "MessageStatus": "delivered", "AccountSid": twilio.account_sid}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=web), base_url="http://portal.test"
    ) as http:
        bad = await send_status_callback(url, twilio.auth_token, params, client=http, signature="bm90IGl0")
        assert bad.status_code in (401, 403)
        forged = await send_status_callback(url, "wrong-token", params, client=http)
        assert forged.status_code in (401, 403)
        (row,) = await messages(tapp)
        assert row.status is MessageStatus.SENT
        good = await send_status_callback(url, twilio.auth_token, params, client=http)
        assert good.status_code in (200, 204)
        (row,) = await messages(tapp)
        assert row.status is MessageStatus.DELIVERED and row.provider_status == "delivered"
        # A late "sent" callback does not move it back.
        late = {**params, "MessageStatus": "sent"}
        assert (await send_status_callback(url, twilio.auth_token, late, client=http)).status_code == 204
        (row,) = await messages(tapp)
        assert row.status is MessageStatus.DELIVERED and row.provider_status == "delivered"


async def test_wrong_credentials_are_refused_by_the_double(settings: Settings, twilio: TwilioDouble) -> None:
    from twilio.base.exceptions import TwilioRestException
    from twilio.rest import Client as TwilioClient

    from antena.core.notify.channels import _redirecting_http_client

    sdk = TwilioClient(twilio.account_sid, "nope", http_client=_redirecting_http_client(twilio.base_url, 5))
    with pytest.raises(TwilioRestException) as err:
        await asyncio.to_thread(sdk.messages.create, to="+525512345678", from_=FROM, body="hola")
    assert err.value.status == 401


async def test_whatsapp_with_content_template_else_sms(settings: Settings, twilio: TwilioDouble) -> None:
    from pydantic import SecretStr

    s = twilio_settings(
        settings,
        twilio,
        twilio_auth_token=SecretStr(twilio.auth_token),
        twilio_whatsapp_from="+14155238886",
        twilio_whatsapp_templates="portal_link.es=HX0123456789abcdef0123456789abcdef",
    )
    async with outbox_app(s) as app:
        isp = await billing_isp(app)
        es = await phone_client(app, isp, "Eva Gil", "+525555550001", language="es")
        en = await phone_client(app, isp, "Finn Ross", "+525555550002", language="en")
        await queue_portal_link(app, es.id)
        await queue_portal_link(app, en.id)
        await drain(app)
        by_to = {m["To"]: m for m in twilio.messages}
        wa = by_to["whatsapp:+525555550001"]
        assert wa["From"] == "whatsapp:+14155238886"
        assert wa["ContentSid"] == "HX0123456789abcdef0123456789abcdef"
        variables = json.loads(wa["ContentVariables"] or "{}")
        assert variables["1"] == "Red Norte", "numbered in the order the tags appear in the SMS template"
        assert variables["2"].startswith("http://portal.test/a/") and set(variables) == {"1", "2"}
        assert by_to["+525555550002"]["From"] == FROM  # no English template approved: SMS
        rows = {m.client_id: m.channel for m in await messages(app)}
        assert rows == {es.id: "whatsapp", en.id: "sms"}
