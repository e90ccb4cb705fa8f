"""What Meta's webhook tells us about WhatsApp Cloud messages, and the customers who wrote.

The portal route (``antena/portal/whatsapp_cloud.py``) checks ``X-Hub-Signature-256`` and hands the
JSON here. Statuses move the outbox row (``sent`` → ``delivered`` → ``read``; never backwards) and
record the pricing category for the cost estimate. A ``failed`` status is retried when retrying can
help (Meta's transient codes, or 131047: the window had closed, so the next try uses the template)
and final otherwise; 131026 (the number cannot get WhatsApp) also sends the client's next messages
by the next channel. An inbound message opens the client's 24-hour window.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select, update

from antena.core.bootstrap import App
from antena.core.db.message_models import Message, MessageStatus
from antena.core.db.models import Client
from antena.core.db.whatsapp_models import WhatsAppCloudMessage, WhatsAppContact
from antena.core.notify.whatsapp_cloud import REENGAGEMENT, TRANSIENT, UNDELIVERABLE

_RANK = {"accepted": 0, "sent": 3, "delivered": 4, "read": 5}


def signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    """``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body with the app secret>``."""
    if not secret or not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256=").strip().lower())


def mexican_phone(wa_id: str) -> list[str]:
    """E.164 forms a WhatsApp id may stand for (Mexican mobiles come as 521 + ten digits)."""
    digits = "".join(ch for ch in wa_id if ch.isdigit())
    forms = ["+" + digits]
    if digits.startswith("521") and len(digits) == 13:
        forms.append("+52" + digits[3:])
    return forms


@dataclass
class WebhookResult:
    statuses: int = 0
    inbound: int = 0
    retried: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def _when(value: Any, default: dt.datetime) -> dt.datetime:
    try:
        return dt.datetime.fromtimestamp(int(value), dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return default


async def _inbound(app: App, session: Any, message: dict[str, Any], now: dt.datetime) -> int:
    wa_id = str(message.get("from") or "")[:20]
    if not wa_id:
        return 0
    at = min(_when(message.get("timestamp"), now), now)
    phones = mexican_phone(wa_id)
    clients = (
        await session.execute(
            select(Client.id).where(or_(Client.phone.in_(phones), Client.phone_alt.in_(phones)))
        )
    ).scalars()
    n = 0
    for client_id in clients:
        contact = await session.get(WhatsAppContact, client_id)
        if contact is None:
            contact = WhatsAppContact(client_id=client_id, wa_id=wa_id)
            session.add(contact)
        if contact.last_inbound_at is None or contact.last_inbound_at < at:
            contact.last_inbound_at = at
        contact.wa_id, contact.undeliverable_at, contact.updated_at = wa_id, None, now
        n += 1
    return n


async def _status(
    app: App, session: Any, status: dict[str, Any], now: dt.datetime, result: WebhookResult
) -> None:
    wamid, state = str(status.get("id") or ""), str(status.get("status") or "").lower()
    if not wamid or not state:
        return
    record = await session.get(WhatsAppCloudMessage, wamid)
    pricing: dict[str, Any] = status["pricing"] if isinstance(status.get("pricing"), dict) else {}
    errors = status.get("errors") if isinstance(status.get("errors"), list) else []
    code = errors[0].get("code") if errors and isinstance(errors[0], dict) else None
    title = str((errors[0].get("title") or errors[0].get("message") or "") if errors else "")[:200]
    if record is not None:
        if pricing.get("category"):
            record.category = str(pricing["category"])[:20]
        if "billable" in pricing:
            record.billable = bool(pricing["billable"])
        if state == "failed" or _RANK.get(state, -1) >= _RANK.get(record.status, -1):
            record.status = state[:12]
        record.error_code, record.error_title, record.updated_at = code, title or None, now
    msg = (await session.execute(select(Message).where(Message.provider_sid == wamid))).scalar_one_or_none()
    if msg is None:
        return
    result.statuses += 1
    if state != "failed":
        if msg.status is not MessageStatus.FAILED and _RANK.get(state, -1) >= _RANK.get(
            msg.provider_status or "", -1
        ):
            msg.provider_status = state
            if state in ("delivered", "read"):
                msg.status = MessageStatus.DELIVERED
        msg.updated_at = now
        return
    reason = f"whatsapp_cloud {code}: {title}".strip()[:500]
    if code == REENGAGEMENT:  # our window bookkeeping was wrong: close it, the retry uses the template
        await session.execute(
            update(WhatsAppContact)
            .where(WhatsAppContact.client_id == msg.client_id)
            .values(last_inbound_at=None)
        )
    if code == UNDELIVERABLE:
        await session.execute(
            update(WhatsAppContact)
            .where(WhatsAppContact.client_id == msg.client_id)
            .values(undeliverable_at=now)
        )
        if await session.get(WhatsAppContact, msg.client_id) is None and msg.client_id is not None:
            wa_id = str(status.get("recipient_id") or "")[:20]
            session.add(WhatsAppContact(client_id=msg.client_id, wa_id=wa_id, undeliverable_at=now))
    retry = (code in TRANSIENT or code == REENGAGEMENT) and msg.attempts < app.settings.notify_max_attempts
    if retry:
        from antena.core.notify.outbox import backoff

        msg.status, msg.channel, msg.provider_status = MessageStatus.PENDING, "whatsapp_cloud", "failed"
        s = app.settings
        wait = backoff(msg.attempts, s.notify_backoff_base, s.notify_backoff_max)
        if code == REENGAGEMENT:
            wait = dt.timedelta(0)
        msg.next_attempt_at, msg.last_error = now + wait, reason
        result.retried.append(msg.id)
    else:
        msg.status, msg.provider_status, msg.last_error = MessageStatus.FAILED, "failed", reason
        result.failed.append(msg.id)
    msg.updated_at = now


async def process_webhook(app: App, payload: dict[str, Any]) -> WebhookResult:
    """One webhook delivery, in one transaction (Meta retries the whole delivery if we fail)."""
    result = WebhookResult()
    now = app.clock.now()
    async with app.uow() as uow:
        for entry in payload.get("entry") or []:
            for change in (entry or {}).get("changes") or []:
                value = (change or {}).get("value") or {}
                if not isinstance(value, dict):
                    continue
                for message in value.get("messages") or []:
                    if isinstance(message, dict):
                        result.inbound += await _inbound(app, uow.session, message, now)
                for status in value.get("statuses") or []:
                    if isinstance(status, dict):
                        await _status(app, uow.session, status, now, result)
        await uow.commit()
    return result
