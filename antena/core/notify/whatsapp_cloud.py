"""WhatsApp through Meta's Cloud API: ``POST {ANTENA_WHATSAPP_CLOUD_API_URL}/{phone-number-id}/messages``.

Plain ``httpx`` (not pywa): one request and one error format is all we need, the transport can be
replaced in tests, and the channel stays as narrow as the others. The rule that shapes it: free
text only inside the 24-hour customer-service window opened by the customer's last message (the
webhook stores it per client, ``whatsapp_contacts``); outside it only an approved template, mapped
per event and language in ``ANTENA_WHATSAPP_CLOUD_TEMPLATES`` with numbered body parameters. With
neither, the channel refuses for good and the outbox goes on to the next channel (SMS).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select

from antena.core.config import Settings
from antena.core.db.engine import Database
from antena.core.db.message_models import Message
from antena.core.db.whatsapp_models import WhatsAppCloudMessage, WhatsAppContact
from antena.core.notify.channel_types import Outgoing, SendError, Sent

WINDOW = dt.timedelta(hours=24)
MARGIN = dt.timedelta(minutes=2)  # do not start free text in the window's last minutes
LANGUAGE_CODES = {"es": "es_MX", "en": "en_US"}
# Graph error codes worth another try later; every other error is final for this message.
TRANSIENT = {1, 2, 4, 80007, 130429, 131000, 131016, 131048, 131056, 133004}
UNDELIVERABLE, REENGAGEMENT = 131026, 131047
_TAG = re.compile(r"{{\s*([a-z_]+)")


@dataclass(frozen=True)
class Template:
    name: str
    language: str  # Meta's code: es_MX, en_US
    tags: tuple[str, ...] | None  # which tag fills {{1}}, {{2}}…; None: the SMS template's order


def parse_templates(raw: str) -> dict[str, Template]:
    """``payment_received.es=pago_recibido:cliente,total;invoice_issued=factura@es_MX`` → by key."""
    out: dict[str, Template] = {}
    for item in re.split(r"[;\n]", raw or ""):
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            continue
        head, _, tags = value.partition(":")
        name, _, code = head.partition("@")
        lang = key.strip().partition(".")[2] or "es"
        out[key.strip()] = Template(
            name=name.strip(),
            language=code.strip() or LANGUAGE_CODES.get(lang, lang),
            tags=tuple(t.strip() for t in tags.split(",") if t.strip()) if tags.strip() else None,
        )
    return out


def parse_costs(raw: str) -> dict[str, Any]:
    """``utility=0.16,service=0`` → per-category estimated cost of one message."""
    from decimal import Decimal, InvalidOperation

    costs: dict[str, Any] = {}
    for item in (raw or "").split(","):
        key, _, value = item.partition("=")
        try:
            costs[key.strip().lower()] = Decimal(value.strip())
        except InvalidOperation:
            continue
    return costs


def classify(status: int, body: Any) -> SendError:
    """Graph's ``{"error": {"code": …, "message": …}}``: transient when retrying can help."""
    error = body.get("error", {}) if isinstance(body, dict) else {}
    code = error.get("code") if isinstance(error.get("code"), int) else None
    details = (
        (error.get("error_data") or {}).get("details") if isinstance(error.get("error_data"), dict) else None
    )
    reason = f"whatsapp_cloud {code or status}: {details or error.get('message') or status}"
    transient = status >= 500 or status == 429 or (code in TRANSIENT)
    return SendError(reason[:300], transient=transient, code=code)


class CloudStore:
    """The channel's reads and writes: a client's window and each accepted message's category."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def contact(self, message_id: int) -> tuple[dt.datetime | None, dt.datetime | None]:
        """(last inbound, undeliverable since) of the client a queued message is for."""
        async with self.db.session(read_only=True) as s:
            row = (
                await s.execute(
                    select(WhatsAppContact.last_inbound_at, WhatsAppContact.undeliverable_at)
                    .join(Message, Message.client_id == WhatsAppContact.client_id)
                    .where(Message.id == message_id)
                )
            ).first()
        return (row[0], row[1]) if row else (None, None)

    async def accepted(self, wamid: str, message_id: int, kind: str, template: str | None) -> None:
        category = "utility" if kind == "template" else "service"
        async with self.db.session() as s:
            s.add(WhatsAppCloudMessage(wamid=wamid, message_id=message_id, kind=kind, template=template,
                                       category=category))  # fmt: skip
            await s.commit()


class WhatsAppCloudChannel:
    """Channel ``whatsapp_cloud``: free text in the window, else the event's approved template."""

    name = "whatsapp_cloud"

    def __init__(
        self,
        settings: Settings,
        store: CloudStore,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        now: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.templates = parse_templates(settings.whatsapp_cloud_templates)
        self.now = now or (lambda: dt.datetime.now(dt.UTC))
        token = settings.whatsapp_cloud_token.get_secret_value() if settings.whatsapp_cloud_token else ""
        self.http = httpx.AsyncClient(
            base_url=settings.whatsapp_cloud_api_url.rstrip("/") + "/",
            headers={"Authorization": f"Bearer {token}"},
            timeout=15.0,
            transport=transport,
        )

    def sender(self) -> str:
        return f"whatsapp_cloud:{self.settings.whatsapp_cloud_phone_number_id}"

    def template(self, event: str, language: str) -> Template | None:
        return self.templates.get(f"{event}.{language}") or self.templates.get(event)

    def parameters(self, template: Template, msg: Outgoing) -> list[dict[str, str]]:
        names = template.tags
        if names is None:
            from antena.core.notify.templates import TemplateStore

            source = TemplateStore(self.settings).path(msg.event, msg.language).read_text(encoding="utf-8")
            names = tuple(dict.fromkeys(_TAG.findall(source)))
        return [{"type": "text", "text": str(msg.variables.get(n, ""))} for n in names]

    async def send(self, msg: Outgoing) -> Sent:
        last_inbound, undeliverable = await self.store.contact(msg.message_id)
        if undeliverable is not None and (last_inbound is None or last_inbound < undeliverable):
            raise SendError(
                "whatsapp_cloud: this number cannot get WhatsApp messages (131026)", transient=False
            )
        to = msg.to.lstrip("+")
        base = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to}
        template = None
        if last_inbound is not None and self.now() - last_inbound < WINDOW - MARGIN:
            payload = {**base, "type": "text", "text": {"preview_url": False, "body": msg.body[:4096]}}
        else:
            template = self.template(msg.event, msg.language)
            if template is None:
                reason = (
                    f"whatsapp_cloud: outside the 24-hour window and no approved template for {msg.event}"
                )
                raise SendError(reason, transient=False)
            components = [{"type": "body", "parameters": self.parameters(template, msg)}]
            language = {"code": template.language}
            spec = {"name": template.name, "language": language, "components": components}
            payload = {**base, "type": "template", "template": spec}
        path = f"{self.settings.whatsapp_cloud_phone_number_id}/messages"
        try:
            response = await self.http.post(path, json=payload)
        except httpx.HTTPError as exc:
            raise SendError(f"whatsapp_cloud: {exc}", transient=True) from None
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code >= 300:
            raise classify(response.status_code, body)
        try:
            wamid = str(body["messages"][0]["id"])
        except (KeyError, IndexError, TypeError):
            raise SendError("whatsapp_cloud: answer without a message id", transient=True) from None
        await self.store.accepted(wamid, msg.message_id, "template" if template else "text",
                                  template.name if template else None)  # fmt: skip
        return Sent(wamid, "accepted")

    async def aclose(self) -> None:
        await self.http.aclose()
