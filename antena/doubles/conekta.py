"""A local Conekta API and webhook sender for tests and ``antena demo``.

The official SDK (``conekta``) talks to it over HTTP: point ``ANTENA_CONEKTA_API_URL`` at
:attr:`ConektaDouble.base_url` and give it :attr:`api_key`. It answers what Antena asks of
Conekta (``POST /customers``, ``POST /customers/{id}/payment_sources`` for ``cash_recurrent`` and
``spei_recurrent``, ``POST /webhook_keys``, ``GET /orders/{id}``) with Conekta's JSON, checks the
bearer key and the versioned ``Accept`` header, and records every request. Then it plays the
customer::

    async with ConektaDouble(webhook_url="http://127.0.0.1:8080/pagos/conekta/webhook") as conekta:
        event = conekta.pay("93000262276908", 35000)     # cash at OXXO: order + charge, paid
        response = await conekta.deliver(event)            # signed like Conekta: ``digest`` header
        await conekta.deliver(conekta.refund(event["data"]["object"]["id"]))

Webhooks are signed exactly as Conekta signs them: RSA-SHA256 (PKCS#1 v1.5) over the raw body
with the key pair behind ``POST /webhook_keys``, base64 in the ``digest`` header;
:attr:`public_key` is what ``ANTENA_CONEKTA_WEBHOOK_KEY`` must hold.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import itertools
import secrets
import time
from typing import Any

import httpx
from aiohttp import web
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from antena.doubles.http import HttpDouble
from antena.doubles.jsonraw import Literal, dumps

__all__ = ["ConektaDouble", "Literal"]


def _error(status: int, kind: str, message: str, code: str) -> web.Response:
    return web.json_response(
        {
            "object": "error",
            "type": kind,
            "log_id": secrets.token_hex(12),
            "details": [{"debug_message": message, "message": message, "code": code}],
        },
        status=status,
    )


class ConektaDouble(HttpDouble):
    def __init__(
        self,
        api_key: str | None = None,
        *,
        webhook_url: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.api_key = api_key or "key_test_" + secrets.token_hex(10)
        self.webhook_url = webhook_url
        self.host, self.port = host, port
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.public_key = (
            self._key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )
        self.customers: dict[str, dict[str, Any]] = {}
        self.sources: dict[str, dict[str, Any]] = {}  # by reference
        self.orders: dict[str, dict[str, Any]] = {}
        self.requests: list[dict[str, Any]] = []  # every request that passed authentication
        self.delivered: list[tuple[dict[str, Any], int]] = []  # (event, HTTP status of our webhook)
        self.fail_next: list[int] = []  # statuses for the next requests (500, 503…)
        self._ids = itertools.count(1)

    # --- lifecycle -------------------------------------------------------------------------------

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/customers", self._create_customer)
        app.router.add_get("/customers/{id}", self._get_customer)
        app.router.add_post("/customers/{id}/payment_sources", self._create_source)
        app.router.add_post("/webhook_keys", self._webhook_key)
        app.router.add_get("/orders/{id}", self._get_order)

    def _id(self, prefix: str) -> str:
        return f"{prefix}_2{secrets.token_hex(4)}{next(self._ids):04d}"

    # --- the API ---------------------------------------------------------------------------------

    async def _checked(self, request: web.Request) -> tuple[dict[str, Any], web.Response | None]:
        if request.headers.get("Authorization", "") != f"Bearer {self.api_key}":
            return {}, _error(
                401,
                "authentication_error",
                "Please include your access key.",
                "conekta.errors.authentication.missing_key",
            )
        if not request.headers.get("Accept", "").startswith("application/vnd.conekta-v2."):
            return {}, _error(
                400,
                "parameter_validation_error",
                "The API version is missing.",
                "conekta.errors.parameter_validation.api_version",
            )
        body: dict[str, Any] = {}
        if request.can_read_body:
            try:
                body = await request.json()
            except ValueError:
                return {}, _error(
                    400,
                    "parameter_validation_error",
                    "Invalid JSON.",
                    "conekta.errors.parameter_validation.json",
                )
        self.requests.append(
            {
                "method": request.method,
                "path": request.path,
                "body": body,
                "accept": request.headers.get("Accept"),
                "user_agent": request.headers.get("User-Agent"),
            }
        )
        if self.fail_next:
            return body, _error(self.fail_next.pop(0), "api_error", "Internal error", "conekta.errors.api")
        return body, None

    async def _create_customer(self, request: web.Request) -> web.Response:
        body, refused = await self._checked(request)
        if refused is not None:
            return refused
        missing = [k for k in ("name", "email", "phone") if not body.get(k)]
        if missing:
            return _error(
                422,
                "parameter_validation_error",
                f"The parameter {missing[0]} is required.",
                "conekta.errors.parameter_validation.customer",
            )
        customer = {
            "id": self._id("cus"),
            "object": "customer",
            "livemode": False,
            "created_at": int(time.time()),
            "name": body["name"],
            "email": body["email"],
            "phone": body["phone"],
            "corporate": False,
            "custom_reference": "",
            "metadata": body.get("metadata") or {},
        }
        self.customers[customer["id"]] = customer
        return web.json_response(customer)

    async def _get_customer(self, request: web.Request) -> web.Response:
        _body, refused = await self._checked(request)
        if refused is not None:
            return refused
        customer = self.customers.get(request.match_info["id"])
        if customer is None:
            return _error(
                404,
                "resource_not_found_error",
                "The customer does not exist.",
                "conekta.errors.resource_not_found.entity",
            )
        return web.json_response(customer)

    async def _create_source(self, request: web.Request) -> web.Response:
        body, refused = await self._checked(request)
        if refused is not None:
            return refused
        customer = self.customers.get(request.match_info["id"])
        if customer is None:
            return _error(
                404,
                "resource_not_found_error",
                "The customer does not exist.",
                "conekta.errors.resource_not_found.entity",
            )
        kind = body.get("type")
        base = {
            "id": self._id("off_ref"),
            "object": "payment_source",
            "type": kind,
            "created_at": int(time.time()),
            "parent_id": customer["id"],
        }
        if kind == "cash_recurrent":
            number = "9300" + f"{secrets.randbelow(10**10):010d}"
            source = {
                **base,
                "reference": number,
                "barcode": number,
                "provider": "Cash",
                "expires_at": 0,
                "barcode_url": f"{self.base_url}/barcodes/{number}.png",
            }
        elif kind == "spei_recurrent":
            clabe = "646180" + f"{secrets.randbelow(10**12):012d}"
            source = {**base, "reference": clabe, "bank": "STP", "expires_at": "none"}
        else:
            return _error(
                422,
                "parameter_validation_error",
                f"Unsupported payment source {kind}.",
                "conekta.errors.parameter_validation.payment_source",
            )
        self.sources[source["reference"]] = source
        return web.json_response(source)

    async def _webhook_key(self, request: web.Request) -> web.Response:
        _body, refused = await self._checked(request)
        if refused is not None:
            return refused
        return web.json_response(
            {
                "id": self._id("whk"),
                "object": "webhook_key",
                "active": True,
                "livemode": False,
                "created_at": int(time.time()),
                "public_key": self.public_key,
            }
        )

    async def _get_order(self, request: web.Request) -> web.Response:
        _body, refused = await self._checked(request)
        if refused is not None:
            return refused
        order = self.orders.get(request.match_info["id"])
        if order is None:
            return _error(
                404,
                "resource_not_found_error",
                "The order does not exist.",
                "conekta.errors.resource_not_found.entity",
            )
        return web.json_response(order)

    # --- the customer pays, the money goes back ------------------------------------------------------

    def pay(self, reference: str, cents: Any, *, livemode: bool = False) -> dict[str, Any]:
        """Cash at OXXO (or a SPEI transfer to a CLABE) on a recurrent reference: the ``order.paid`` event.
        ``cents`` goes into the JSON as given (tests pass ``Literal("3.5e4")`` and other junk)."""
        source = self.sources.get(reference)
        customer = self.customers.get(source["parent_id"]) if source else None
        now = int(time.time())
        if source is not None and source["type"] == "spei_recurrent":
            method = {
                "type": "spei",
                "object": "bank_transfer_payment",
                "clabe": reference,
                "bank": "STP",
                "receiving_account_number": reference,
            }
        else:
            method = {
                "type": "oxxo",
                "object": "cash_payment",
                "reference": reference,
                "store_name": "OXXO",
                "service_name": "OxxoPay",
                "barcode_url": f"{self.base_url}/barcodes/{reference}.png",
            }
        order_id = self._id("ord")
        charge = {
            "id": secrets.token_hex(12),
            "object": "charge",
            "livemode": livemode,
            "created_at": now,
            "paid_at": now,
            "status": "paid",
            "currency": "MXN",
            "amount": cents,
            "fee": 1203,
            "order_id": order_id,
            "customer_id": customer["id"] if customer else "",
            "payment_method": method,
        }
        order = {
            "id": order_id,
            "object": "order",
            "livemode": livemode,
            "amount": cents,
            "amount_refunded": 0,
            "currency": "MXN",
            "payment_status": "paid",
            "created_at": now,
            "updated_at": now,
            "customer_info": {
                "object": "customer_info",
                "customer_id": customer["id"] if customer else None,
                "name": customer["name"] if customer else "Cliente",
            },
            "charges": {"object": "list", "has_more": False, "total": 1, "data": [charge]},
            "metadata": {},
        }
        self.orders[order_id] = order
        return self.event("order.paid", order, {"payment_status": "pending_payment"})

    def charge_event(self, order_id: str, event_type: str = "charge.paid") -> dict[str, Any]:
        """The charge's own event that Conekta sends beside the order's (the same payment)."""
        return self.event(event_type, self.orders[order_id]["charges"]["data"][0])

    def refund(self, order_id: str) -> dict[str, Any]:
        order = self.orders[order_id]
        order.update(payment_status="refunded", amount_refunded=order["amount"], updated_at=int(time.time()))
        order["charges"]["data"][0]["status"] = "refunded"
        return self.event("order.refunded", order, {"payment_status": "paid"})

    def chargeback(self, order_id: str) -> dict[str, Any]:
        order = self.orders[order_id]
        order.update(payment_status="charged_back", updated_at=int(time.time()))
        return self.event("order.charged_back", order, {"payment_status": "paid"})

    def event(
        self, event_type: str, obj: dict[str, Any], previous: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        return {
            "data": {"object": copy.deepcopy(obj), "previous_attributes": previous or {}},
            "livemode": bool(obj.get("livemode")),
            "webhook_status": "pending",
            "webhook_logs": [],
            "id": secrets.token_hex(12),
            "object": "event",
            "type": event_type,
            "created_at": int(time.time()),
        }

    def sign(self, body: bytes) -> str:
        """The ``digest`` header Conekta sends: base64 of RSA-SHA256 (PKCS#1 v1.5) over the body."""
        return base64.b64encode(self._key.sign(body, padding.PKCS1v15(), hashes.SHA256())).decode()

    def encode(self, event: dict[str, Any]) -> bytes:
        """The body as Conekta writes it (a :class:`Literal` amount goes in exactly as given)."""
        return dumps(event).encode()

    async def deliver(
        self,
        event: dict[str, Any],
        url: str | None = None,
        *,
        digest: str | None = None,
        body: bytes | None = None,
    ) -> httpx.Response:
        """POST the event to the webhook URL as Conekta does (or with another ``digest`` / ``body``)."""
        target = url or self.webhook_url
        if not target:
            raise ValueError("no webhook URL: pass url= or set webhook_url")
        data = body if body is not None else self.encode(event)
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "digest": digest if digest is not None else self.sign(data),
        }
        async with httpx.AsyncClient(timeout=30) as client:
            response = await client.post(target, content=data, headers=headers)
        self.delivered.append((event, response.status_code))
        return response


async def _serve(port: int) -> None:  # pragma: no cover - manual use
    async with ConektaDouble(port=port) as conekta:
        print(f"Conekta double on {conekta.base_url}  key={conekta.api_key}\n{conekta.public_key}")
        await asyncio.Event().wait()


if __name__ == "__main__":  # pragma: no cover
    import sys

    asyncio.run(_serve(int(sys.argv[1]) if len(sys.argv) > 1 else 8083))
