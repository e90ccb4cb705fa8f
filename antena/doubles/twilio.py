"""A local Twilio Messages API for tests, benchmarks and ``antena demo``.

The real Twilio SDK (``twilio.rest.Client``) talks to it over HTTP: point
``ANTENA_TWILIO_API_URL`` at :attr:`TwilioDouble.base_url`::

    async with TwilioDouble() as twilio:
        twilio.invalid_numbers.add("+5215500000000")    # answered with error 21211
        twilio.fail_next(500)                            # the next request gets a 500
        ...                                              # the product sends
        assert twilio.messages[0]["To"] == "+5215512345678"
        await send_status_callback(url, twilio.auth_token, {"MessageSid": sid, "MessageStatus": "delivered"})

It answers ``POST /2010-04-01/Accounts/{sid}/Messages.json`` like Twilio: HTTP basic auth with the
account SID and auth token (401 and error 20003 otherwise), 201 with a Message resource, Twilio's
error JSON for invalid numbers and injected failures. Every accepted message is recorded with the
moment it arrived, so tests can check pacing. :func:`send_status_callback` signs a status callback
exactly as Twilio does (``X-Twilio-Signature``).
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import itertools
import secrets
import time
from collections import deque
from typing import Any

import httpx
from aiohttp import web
from twilio.request_validator import RequestValidator

from antena.core.notify.segments import analyze
from antena.doubles.http import HttpDouble

__all__ = ["TwilioDouble", "send_status_callback", "sign"]

API = "/2010-04-01/Accounts/{sid}/Messages.json"


def _error(status: int, code: int, message: str) -> web.Response:
    return web.json_response(
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
        status=status,
    )


class TwilioDouble(HttpDouble):
    def __init__(
        self,
        account_sid: str | None = None,
        auth_token: str | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.account_sid = account_sid or "AC" + secrets.token_hex(16)
        self.auth_token = auth_token or secrets.token_hex(16)
        self.host, self.port = host, port
        self.invalid_numbers: set[str] = set()
        self.unsubscribed: set[str] = set()
        self.messages: list[dict[str, Any]] = []  # accepted, in arrival order
        self.requests: list[dict[str, Any]] = []  # every request that passed authentication
        self._failures: deque[int] = deque()
        self._ids = itertools.count(1)

    # --- lifecycle -------------------------------------------------------------------------------

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self._create)

    # --- fault injection -------------------------------------------------------------------------

    def fail_next(self, status: int = 500, times: int = 1) -> None:
        """The next ``times`` authenticated requests get ``status`` (500, 503, 429…)."""
        self._failures.extend([status] * times)

    # --- the API ---------------------------------------------------------------------------------

    def _authorized(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return (
            secrets.compare_digest(user, self.account_sid)
            and secrets.compare_digest(password, self.auth_token)
            and request.match_info["sid"] == self.account_sid
        )

    async def _create(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return _error(401, 20003, "Authenticate")
        form = {k: str(v) for k, v in (await request.post()).items()}
        self.requests.append({**form, "_at": time.monotonic()})
        if self._failures:
            status = self._failures.popleft()
            if status == 429:
                return _error(429, 20429, "Too Many Requests")
            return _error(status, 20500, "Internal Server Error")
        to, sender = form.get("To", ""), form.get("From", "")
        if not to:
            return _error(400, 21604, "A 'To' phone number is required.")
        if not sender and not form.get("MessagingServiceSid"):
            return _error(400, 21603, "A 'From' phone number is required.")
        if not form.get("Body") and not form.get("ContentSid"):
            return _error(400, 21602, "Message body is required.")
        number = to.removeprefix("whatsapp:")
        if number in self.invalid_numbers or not number.startswith("+"):
            return _error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if number in self.unsubscribed:
            return _error(400, 21610, "Attempt to send to unsubscribed recipient")
        sid = f"SM{next(self._ids):032x}"
        now = dt.datetime.now(dt.UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
        body = form.get("Body", "")
        record = {
            "sid": sid,
            "To": to,
            "From": sender,
            "Body": body,
            "ContentSid": form.get("ContentSid"),
            "ContentVariables": form.get("ContentVariables"),
            "StatusCallback": form.get("StatusCallback"),
            "status": "queued",
            "at": time.monotonic(),
        }
        self.messages.append(record)
        uri = f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json"
        return web.json_response(
            {
                "account_sid": self.account_sid,
                "api_version": "2010-04-01",
                "body": body,
                "date_created": now,
                "date_sent": None,
                "date_updated": now,
                "direction": "outbound-api",
                "error_code": None,
                "error_message": None,
                "from": sender,
                "messaging_service_sid": None,
                "num_media": "0",
                "num_segments": str(max(analyze(body).segments, 1)),
                "price": None,
                "price_unit": "USD",
                "sid": sid,
                "status": "queued",
                "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
                "to": to,
                "uri": uri,
            },
            status=201,
        )

    def sent_to(self, number: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["To"].removeprefix("whatsapp:") == number]


def sign(url: str, params: dict[str, str], auth_token: str) -> str:
    """``X-Twilio-Signature`` for a form POST to ``url``, computed as Twilio does."""
    return str(RequestValidator(auth_token).compute_signature(url, params))


async def send_status_callback(
    url: str,
    auth_token: str,
    params: dict[str, str],
    *,
    client: httpx.AsyncClient | None = None,
    signature: str | None = None,
) -> httpx.Response:
    """POST a delivery status callback to ``url`` signed like Twilio (or with ``signature``)."""
    headers = {"X-Twilio-Signature": signature if signature is not None else sign(url, params, auth_token)}
    if client is not None:
        return await client.post(url, data=params, headers=headers)
    async with httpx.AsyncClient() as own:
        return await own.post(url, data=params, headers=headers)


async def _serve(port: int) -> None:  # pragma: no cover - manual use
    async with TwilioDouble(port=port) as twilio:
        print(f"Twilio double on {twilio.base_url}  sid={twilio.account_sid} token={twilio.auth_token}")
        await asyncio.Event().wait()


if __name__ == "__main__":  # pragma: no cover
    import sys

    asyncio.run(_serve(int(sys.argv[1]) if len(sys.argv) > 1 else 8082))
