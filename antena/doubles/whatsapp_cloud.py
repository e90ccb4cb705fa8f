"""A local WhatsApp Cloud API (Meta's Graph ``/{phone-number-id}/messages``) and its webhooks.

Point ``ANTENA_WHATSAPP_CLOUD_API_URL`` at :attr:`WhatsAppCloudDouble.base_url`::

    async with WhatsAppCloudDouble(app_secret="s") as wa:
        await wa.inbound(webhook_url, "+525512345678", "hola")   # the customer writes: window opens
        ...                                                    # the product sends
        await wa.deliver(webhook_url)                          # signed status webhooks for what it got

It answers like Graph: bearer token (error 190 otherwise), ``{"messages": [{"id": "wamid…"}]}``,
Graph's error JSON for a template that is not approved (132001) and injected failures
(``fail_next``). Delivery is reported through the webhook as Meta does: ``sent`` and ``delivered``
with the pricing category, or ``failed`` with 131047 (free text outside the 24-hour window the
customer's last message opened) or 131026 (a number in :attr:`undeliverable`). Webhooks carry
``X-Hub-Signature-256`` signed with the app secret.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
import json
import secrets
from collections import deque
from typing import Any

import httpx
from aiohttp import web

from antena.doubles.http import HttpDouble

__all__ = ["WhatsAppCloudDouble", "signed_post"]
WINDOW = dt.timedelta(hours=24)


def _digits(number: str) -> str:
    digits = "".join(ch for ch in number if ch.isdigit())
    return "52" + digits[3:] if digits.startswith("521") and len(digits) == 13 else digits


def _error(status: int, code: int, message: str, details: str = "") -> web.Response:
    body = {"error": {"message": message, "type": "OAuthException", "code": code,
                      "error_data": {"messaging_product": "whatsapp", "details": details or message},
                      "fbtrace_id": secrets.token_hex(8)}}  # fmt: skip
    return web.json_response(body, status=status)


async def signed_post(
    url: str, payload: dict[str, Any], secret: str, *, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.Response:
    """POST a webhook as Meta does: JSON body, ``X-Hub-Signature-256: sha256=<hmac>``."""
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signature}
    async with httpx.AsyncClient(transport=transport, timeout=10.0) as client:
        return await client.post(url, content=body, headers=headers)


class WhatsAppCloudDouble(HttpDouble):
    def __init__(
        self,
        *,
        token: str | None = None,
        phone_number_id: str = "109876543210",
        app_secret: str | None = None,
        version: str = "v21.0",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.token = token or secrets.token_hex(16)
        self.phone_number_id = phone_number_id
        self.app_secret = app_secret or secrets.token_hex(16)
        self.version, self.host, self.port = version, host, port
        self.approved: set[str] | None = None  # template names; None: any
        self.undeliverable: set[str] = set()  # numbers (any format) that cannot get WhatsApp
        self.messages: list[dict[str, Any]] = []  # accepted, in arrival order
        self.inbound_at: dict[str, dt.datetime] = {}  # the customer's last message, per number
        self._reported: set[str] = set()
        self._failures: deque[tuple[int, int, str]] = deque()
        self._ids = itertools.count(1)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/{self.version}"

    def fail_next(self, status: int = 500, code: int = 131000, message: str = "Something went wrong") -> None:
        self._failures.append((status, code, message))

    def routes(self, app: web.Application) -> None:
        app.router.add_post(f"/{self.version}/{{phone_id}}/messages", self._send)

    # --- Graph ---------------------------------------------------------------------------------

    async def _send(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return _error(401, 190, "Invalid OAuth access token - Cannot parse access token")
        if request.match_info["phone_id"] != self.phone_number_id:
            return _error(400, 100, "Unsupported post request: unknown phone number id")
        if self._failures:
            status, code, message = self._failures.popleft()
            return _error(status, code, message)
        try:
            body = await request.json()
        except ValueError:
            return _error(400, 100, "Invalid parameter", "the body is not JSON")
        kind, to = body.get("type"), str(body.get("to") or "")
        if body.get("messaging_product") != "whatsapp" or not to or kind not in ("text", "template"):
            return _error(400, 100, "Invalid parameter")
        record: dict[str, Any] = {"to": to, "type": kind, "at": dt.datetime.now(dt.UTC)}
        if kind == "text":
            record["text"] = (body.get("text") or {}).get("body", "")
        else:
            template = body.get("template") or {}
            if self.approved is not None and template.get("name") not in self.approved:
                return _error(404, 132001, "Template name does not exist in the translation")
            record["template"] = template.get("name")
            record["language"] = (template.get("language") or {}).get("code")
            params = [p for c in template.get("components") or [] for p in c.get("parameters") or []]
            record["params"] = [p.get("text") for p in params]
        record["wamid"] = f"wamid.HBgM{next(self._ids):06d}{secrets.token_hex(6).upper()}"
        self.messages.append(record)
        contact = {"input": to, "wa_id": _digits(to)}
        return web.json_response(
            {"messaging_product": "whatsapp", "contacts": [contact], "messages": [{"id": record["wamid"]}]}
        )

    # --- webhooks ------------------------------------------------------------------------------

    def _envelope(self, value: dict[str, Any]) -> dict[str, Any]:
        metadata = {"display_phone_number": "15550001111", "phone_number_id": self.phone_number_id}
        inner = {"messaging_product": "whatsapp", "metadata": metadata, **value}
        change = {"field": "messages", "value": inner}
        return {"object": "whatsapp_business_account", "entry": [{"id": "1020304050", "changes": [change]}]}

    def status_payload(
        self,
        wamid: str,
        status: str,
        to: str,
        *,
        code: int | None = None,
        title: str = "",
        category: str = "utility",
    ) -> dict[str, Any]:
        item: dict[str, Any] = {"id": wamid, "status": status, "recipient_id": _digits(to),
                                "timestamp": str(int(dt.datetime.now(dt.UTC).timestamp()))}  # fmt: skip
        if status == "failed":
            item["errors"] = [
                {"code": code, "title": title, "message": title, "error_data": {"details": title}}
            ]
        else:
            item["pricing"] = {
                "billable": category != "service",
                "pricing_model": "PMP",
                "category": category,
            }
        return self._envelope({"statuses": [item]})

    async def status(
        self, url: str, wamid: str, status: str, *, code: int | None = None, title: str = "",
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> httpx.Response:  # fmt: skip
        to = next((m["to"] for m in self.messages if m["wamid"] == wamid), "")
        payload = self.status_payload(wamid, status, to, code=code, title=title)
        return await signed_post(url, payload, self.app_secret, transport=transport)

    async def deliver(self, url: str, *, transport: httpx.AsyncBaseTransport | None = None) -> list[str]:
        """Report every message not reported yet: ``sent`` + ``delivered``, or ``failed``."""
        outcomes = []
        undeliverable = {_digits(n) for n in self.undeliverable}
        for m in [m for m in self.messages if m["wamid"] not in self._reported]:
            self._reported.add(m["wamid"])
            to, last = _digits(m["to"]), self.inbound_at.get(_digits(m["to"]))
            category = "utility" if m["type"] == "template" else "service"
            if to in undeliverable:
                payloads = [
                    self.status_payload(m["wamid"], "failed", to, code=131026, title="Message undeliverable")
                ]
            elif m["type"] == "text" and (last is None or m["at"] - last > WINDOW):
                title = "Re-engagement message"
                payloads = [self.status_payload(m["wamid"], "failed", to, code=131047, title=title)]
            else:
                payloads = [
                    self.status_payload(m["wamid"], s, to, category=category) for s in ("sent", "delivered")
                ]
            for payload in payloads:
                await signed_post(url, payload, self.app_secret, transport=transport)
            outcomes.append(payloads[-1]["entry"][0]["changes"][0]["value"]["statuses"][0]["status"])
        return outcomes

    async def inbound(
        self, url: str, number: str, text: str, *, at: dt.datetime | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> httpx.Response:  # fmt: skip
        """The customer writes to the business number (a Mexican mobile arrives as 521…)."""
        when = at or dt.datetime.now(dt.UTC)
        digits = _digits(number)
        self.inbound_at[digits] = when
        wa_id = "521" + digits[2:] if digits.startswith("52") and len(digits) == 12 else digits
        value = {
            "contacts": [{"profile": {"name": "Cliente"}, "wa_id": wa_id}],
            "messages": [{"from": wa_id, "id": f"wamid.IN{secrets.token_hex(8)}", "type": "text",
                          "timestamp": str(int(when.timestamp())), "text": {"body": text}}],
        }  # fmt: skip
        return await signed_post(url, self._envelope(value), self.app_secret, transport=transport)
