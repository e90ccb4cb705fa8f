"""A local Mercado Pago API, checkout page and notification sender for tests and ``antena demo``.

The official SDK (``mercadopago``) talks to it: point ``ANTENA_MERCADOPAGO_API_URL`` at
:attr:`MercadoPagoDouble.base_url` with :attr:`access_token`. It answers ``POST
/checkout/preferences`` (a preference with its ``init_point``) and ``GET /v1/payments/{id}`` like
Mercado Pago, checking the bearer token, and records every request. Its ``init_point`` is a page
of its own (``/checkout/v1/redirect?pref_id=…``) where a "Pagar" button approves the payment,
sends the notification and returns the buyer to the preference's ``back_urls.success``::

    async with MercadoPagoDouble() as mp:
        payment = mp.approve(preference_id)              # or mp.pay("antena:12:345", "350.00")
        await mp.notify(payment["id"])                   # signed like Mercado Pago: x-signature
        mp.refund(payment["id"]); await mp.notify(payment["id"], "payment.updated")

A notification is signed exactly as Mercado Pago signs it: ``x-signature: ts=<seconds>,v1=<hex>``
with HMAC-SHA256 under :attr:`webhook_secret` over ``id:<data.id>;request-id:<x-request-id>;ts:<ts>;``,
to :attr:`webhook_url` (what the seller sets in "Tus integraciones" > Webhooks).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import html
import itertools
import secrets
import time
import uuid
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from aiohttp import web

from antena.doubles.http import HttpDouble
from antena.doubles.jsonraw import Literal, dumps

__all__ = ["Literal", "MercadoPagoDouble", "signature"]


def signature(secret: str, data_id: str, request_id: str, ts: int) -> str:
    """The ``x-signature`` header value for a notification about ``data_id``."""
    manifest = f"id:{data_id.lower()};request-id:{request_id};ts:{ts};"
    digest = hmac.new(secret.encode(), manifest.encode(), hashlib.sha256).hexdigest()
    return f"ts={ts},v1={digest}"


def _now() -> str:
    return dt.datetime.now(dt.timezone(dt.timedelta(hours=-6))).isoformat(timespec="milliseconds")


def _json(value: Any, status: int = 200) -> web.Response:
    return web.Response(text=dumps(value), status=status, content_type="application/json")


class MercadoPagoDouble(HttpDouble):
    def __init__(
        self,
        access_token: str | None = None,
        webhook_secret: str | None = None,
        *,
        webhook_url: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.webhook_url = webhook_url  # as set in "Tus integraciones" > Webhooks
        self.access_token = access_token or f"TEST-{secrets.randbelow(10**16)}-{secrets.token_hex(8)}"
        self.webhook_secret = webhook_secret or secrets.token_hex(32)
        self.host, self.port = host, port
        self.preferences: dict[str, dict[str, Any]] = {}
        self.payments: dict[str, dict[str, Any]] = {}
        self.requests: list[dict[str, Any]] = []
        self.delivered: list[tuple[str, int]] = []  # (payment id, HTTP status of our webhook)
        self._ids = itertools.count(int(time.time()) % 10**6 * 1000)

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/checkout/preferences", self._create_preference)
        app.router.add_get("/checkout/preferences/{id}", self._get_preference)
        app.router.add_get("/v1/payments/{id}", self._get_payment)
        app.router.add_get("/checkout/v1/redirect", self._checkout_page)
        app.router.add_post("/checkout/v1/pay", self._checkout_pay)

    # --- the API ---------------------------------------------------------------------------------

    async def _checked(self, request: web.Request) -> tuple[Any, web.Response | None]:
        if request.headers.get("Authorization", "") != f"Bearer {self.access_token}":
            return None, _json(
                {"message": "invalid access token", "error": "unauthorized", "status": 401, "cause": []}, 401
            )
        body = None
        if request.can_read_body:
            try:
                body = await request.json()
            except ValueError:
                return None, _json({"message": "invalid json", "error": "bad_request", "status": 400}, 400)
        self.requests.append(
            {"method": request.method, "path": request.path, "body": body, "headers": dict(request.headers)}
        )
        return body, None

    async def _create_preference(self, request: web.Request) -> web.Response:
        body, refused = await self._checked(request)
        if refused is not None:
            return refused
        items = body.get("items") if isinstance(body, dict) else None
        if not items or not all(
            isinstance(i.get("unit_price"), int | float) and i["unit_price"] > 0 for i in items
        ):
            return _json(
                {"message": "unit_price invalid", "error": "invalid_items", "status": 400, "cause": []}, 400
            )
        pref_id = f"{secrets.randbelow(10**9)}-{uuid.uuid4()}"
        link = f"{self.base_url}/checkout/v1/redirect?pref_id={pref_id}"
        preference = {
            **body,
            "id": pref_id,
            "init_point": link,
            "sandbox_init_point": link + "&sandbox=1",
            "date_created": _now(),
            "collector_id": 123456789,
            "client_id": "1234567890",
        }
        self.preferences[pref_id] = preference
        return _json(preference, 201)

    async def _get_preference(self, request: web.Request) -> web.Response:
        _body, refused = await self._checked(request)
        if refused is not None:
            return refused
        found = self.preferences.get(request.match_info["id"])
        return _json(found) if found else _json({"message": "not found", "status": 404}, 404)

    async def _get_payment(self, request: web.Request) -> web.Response:
        _body, refused = await self._checked(request)
        if refused is not None:
            return refused
        found = self.payments.get(request.match_info["id"])
        if found is None:
            return _json(
                {"message": "Payment not found", "error": "not_found", "status": 404, "cause": []}, 404
            )
        return _json(found)

    # --- the buyer pays ----------------------------------------------------------------------------

    def pay(
        self,
        external_reference: str | None,
        amount: Any,
        *,
        notification_url: str | None = None,
        status: str = "approved",
        live_mode: bool = False,
    ) -> dict[str, Any]:
        """A payment as Mercado Pago stores it; ``amount`` goes into the JSON as given
        (``Literal("3.5e2")`` for junk)."""
        payment_id = str(next(self._ids))
        value = amount if isinstance(amount, Literal | int) else float(Decimal(str(amount)))
        payment = {
            "id": int(payment_id),
            "status": status,
            "status_detail": "accredited",
            "currency_id": "MXN",
            "transaction_amount": value,
            "transaction_amount_refunded": 0,
            "external_reference": external_reference,
            "date_created": _now(),
            "date_approved": _now() if status == "approved" else None,
            "date_last_updated": _now(),
            "payment_method_id": "visa",
            "payment_type_id": "credit_card",
            "live_mode": live_mode,
            "notification_url": notification_url,
            "payer": {"email": "comprador@example.com"},
        }
        self.payments[payment_id] = payment
        return payment

    def approve(self, preference_id: str) -> dict[str, Any]:
        """The buyer pays a preference in full."""
        pref = self.preferences[preference_id]
        amount = sum(Decimal(str(i["unit_price"])) * int(i.get("quantity", 1)) for i in pref["items"])
        return self.pay(pref.get("external_reference"), amount, notification_url=pref.get("notification_url"))

    def refund(self, payment_id: Any) -> dict[str, Any]:
        payment = self.payments[str(payment_id)]
        payment.update(
            status="refunded",
            status_detail="refunded",
            date_last_updated=_now(),
            transaction_amount_refunded=payment["transaction_amount"],
        )
        return payment

    def charge_back(self, payment_id: Any) -> dict[str, Any]:
        payment = self.payments[str(payment_id)]
        payment.update(status="charged_back", status_detail="settled", date_last_updated=_now())
        return payment

    async def notify(
        self,
        payment_id: Any,
        action: str = "payment.created",
        url: str | None = None,
        *,
        notification_id: int | None = None,
        x_signature: str | None = None,
        body: bytes | None = None,
    ) -> httpx.Response:
        """POST the notification Mercado Pago sends about a payment (signed, unless told otherwise)."""
        data_id = str(payment_id)
        target = url or self.webhook_url or self.payments.get(data_id, {}).get("notification_url")
        if not target:
            raise ValueError("no webhook URL: pass url= or set webhook_url")
        request_id = str(uuid.uuid4())
        ts = int(time.time())
        content = (
            body
            if body is not None
            else dumps(
                {
                    "id": notification_id or secrets.randbelow(10**11),
                    "live_mode": False,
                    "type": "payment",
                    "date_created": _now(),
                    "user_id": 123456789,
                    "api_version": "v1",
                    "action": action,
                    "data": {"id": data_id},
                }
            ).encode()
        )
        headers = {
            "Content-Type": "application/json",
            "x-request-id": request_id,
            "x-signature": x_signature or signature(self.webhook_secret, data_id, request_id, ts),
        }
        sep = "&" if urlsplit(target).query else "?"
        async with httpx.AsyncClient(timeout=30) as client:
            response = await client.post(
                f"{target}{sep}{urlencode({'data.id': data_id, 'type': 'payment'})}",
                content=content,
                headers=headers,
            )
        self.delivered.append((data_id, response.status_code))
        return response

    async def _checkout_page(self, request: web.Request) -> web.Response:
        pref = self.preferences.get(request.query.get("pref_id", ""))
        if pref is None:
            return web.Response(text="preference not found", status=404)
        item = pref["items"][0]
        page = (
            '<!doctype html><html lang="es"><head><meta charset="utf-8"><title>Mercado Pago</title></head>'
            f'<body><h1>Mercado Pago (simulado)</h1><p class="item">{html.escape(str(item.get("title")))}</p>'
            f'<p class="amount">$ {Decimal(str(item["unit_price"])):.2f}</p>'
            '<form method="post" action="/checkout/v1/pay">'
            f'<input type="hidden" name="pref_id" value="{html.escape(pref["id"])}">'
            '<button type="submit" id="pagar">Pagar</button></form></body></html>'
        )
        return web.Response(text=page, content_type="text/html")

    async def _checkout_pay(self, request: web.Request) -> web.Response:
        form = await request.post()
        pref_id = str(form.get("pref_id", ""))
        if pref_id not in self.preferences:
            return web.Response(text="preference not found", status=404)
        payment = self.approve(pref_id)
        await self.notify(payment["id"], "payment.created")
        back = (self.preferences[pref_id].get("back_urls") or {}).get("success") or self.base_url
        query = urlencode(
            {
                "payment_id": payment["id"],
                "status": "approved",
                "preference_id": pref_id,
                "external_reference": payment["external_reference"] or "",
            }
        )
        raise web.HTTPSeeOther(f"{back}{'&' if urlsplit(back).query else '?'}{query}")


async def _serve(port: int) -> None:  # pragma: no cover - manual use
    async with MercadoPagoDouble(port=port) as mp:
        print(f"Mercado Pago double on {mp.base_url}  token={mp.access_token} secret={mp.webhook_secret}")
        await asyncio.Event().wait()


if __name__ == "__main__":  # pragma: no cover
    import sys

    asyncio.run(_serve(int(sys.argv[1]) if len(sys.argv) > 1 else 8084))
