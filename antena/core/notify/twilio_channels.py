"""Twilio's channels: SMS and business-initiated WhatsApp (approved Content templates only).

Why apart: the Twilio SDK's client, its base-URL redirect (to the Twilio double in tests and the
demo) and the classification of Twilio's error codes into "try later" and "never" are a world of
their own; :mod:`antena.core.notify.channels` builds these channels and re-exports the names.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from antena.core.config import Settings
from antena.core.notify.channel_types import Outgoing, SendError, Sent

TWILIO_BASE = "https://api.twilio.com"

# Twilio error codes that no retry can fix.
PERMANENT_TWILIO = {
    21211: "invalid 'To' number",
    21408: "region not enabled",
    21610: "unsubscribed (STOP)",
    21612: "unreachable 'To' number",
    21614: "not a mobile number",
    63016: "outside the WhatsApp 24-hour window",
}


def _redirecting_http_client(base: str | None, timeout: float) -> Any:
    """A ``TwilioHttpClient`` that sends ``https://api.twilio.com/…`` to ``base`` instead."""
    from twilio.http.http_client import TwilioHttpClient

    class Redirecting(TwilioHttpClient):
        def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
            if base:
                parts, target = urlsplit(url), urlsplit(base)
                prefix = target.path.rstrip("/")
                url = urlunsplit((target.scheme, target.netloc, prefix + parts.path, parts.query, ""))
            return super().request(method, url, *args, **kwargs)

    return Redirecting(timeout=timeout)


def status_callback_url(settings: Settings) -> str | None:
    return settings.twilio_status_callback_url or None


class _Twilio:
    def __init__(self, settings: Settings) -> None:
        from twilio.rest import Client as TwilioClient

        sid = settings.twilio_account_sid or ""
        token = settings.twilio_auth_token.get_secret_value() if settings.twilio_auth_token else ""
        self.settings = settings
        self.client = TwilioClient(
            sid, token, http_client=_redirecting_http_client(settings.twilio_api_url, timeout=15.0)
        )

    async def _create(self, **params: Any) -> Sent:
        from requests import RequestException
        from twilio.base.exceptions import TwilioException, TwilioRestException

        callback = status_callback_url(self.settings)
        if callback:
            params["status_callback"] = callback
        try:
            message = await asyncio.to_thread(self.client.messages.create, **params)
        except TwilioRestException as exc:
            raise classify_twilio(exc.status, exc.code, exc.msg) from None
        except (RequestException, TwilioException, OSError) as exc:
            raise SendError(f"twilio: {exc}", transient=True) from None
        return Sent(message.sid, message.status or "queued")

    async def aclose(self) -> None:
        return None


def classify_twilio(status: int, code: int | None, text: str) -> SendError:
    """Transient: 429, 5xx, unknown 4xx-less failures; permanent: the error codes above, other 4xx."""
    reason = f"twilio {code or status}: {text}".strip()
    if status == 429 or status >= 500:
        return SendError(reason, transient=True, code=code)
    return SendError(reason, transient=False, code=code)


class TwilioSmsChannel(_Twilio):
    name = "sms"

    def sender(self) -> str:
        return f"sms:{self.settings.twilio_from}"

    async def send(self, msg: Outgoing) -> Sent:
        return await self._create(to=msg.to, from_=self.settings.twilio_from, body=msg.body)


class TwilioWhatsAppChannel(_Twilio):
    """Business-initiated WhatsApp: only with an approved Content template (``content_sid``)."""

    name = "whatsapp"

    def sender(self) -> str:
        return f"whatsapp:{self.settings.twilio_whatsapp_from}"

    async def send(self, msg: Outgoing) -> Sent:
        if not msg.content_sid:
            raise SendError("no approved WhatsApp template", transient=False)
        return await self._create(
            to=f"whatsapp:{msg.to}",
            from_=f"whatsapp:{self.settings.twilio_whatsapp_from}",
            content_sid=msg.content_sid,
            content_variables=json.dumps(msg.content_variables),
        )
