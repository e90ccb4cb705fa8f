"""The message outbox: a message is stored in the transaction of the event that causes it, sent later.

``enqueue`` (:mod:`antena.core.notify.queueing`, re-exported here) adds a row to the caller's
session (``INSERT … ON CONFLICT DO NOTHING`` on ``dedupe_key``, so the same event never queues
twice and never breaks the caller's transaction).
The worker (``send_due``) leases due rows, renders them, picks the cheapest channel that reaches
the client (Telegram → WhatsApp → SMS), waits for the sender's throttle and sends. Transient
failures come back with exponential back-off; permanent ones are marked failed with the reason.
Twilio's status callbacks move a sent message to delivered or failed (``apply_status``).

Each result is recorded as soon as its message is sent, one short transaction each: a worker
killed mid-batch has sent at most the one message in flight twice. Leases held by a process of
this machine that no longer exists are taken over at once, as the router queue does. Staff
messages (``staff_chat_id`` set) are rendered by ``notify.staff``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import random
import socket
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select, update

from antena.core import failpoints
from antena.core.bootstrap import App
from antena.core.db.message_models import Message, MessageStatus
from antena.core.db.models import Client
from antena.core.db.uow import WAKE_MESSAGES
from antena.core.notify.channels import Channels, Outgoing, Recipient, SendError, TelegramChannel
from antena.core.notify.queueing import DUE_AT_ONCE, Draft, enqueue, enqueue_many
from antena.core.notify.templates import TemplateProblem, TemplateStore
from antena.core.routeros.claims import dead_here

__all__ = [  # the queueing half moved to notify.queueing; its names stay importable from here
    "BATCH", "CHANNELS_KEY", "DUE_AT_ONCE", "LEASE", "STORE_KEY", "WAKE_KEY", "Draft", "Outcome", "aclose",
    "apply_status", "backoff", "channels", "enqueue", "enqueue_many", "kick", "send_due", "templates",
    "worker_id",
]  # fmt: skip

LOG = logging.getLogger("antena.notify")
BATCH = 200
LEASE = dt.timedelta(minutes=10)
STORE_KEY = "notify_templates"
CHANNELS_KEY = "notify_channels"
WAKE_KEY = WAKE_MESSAGES  # app.extras: an asyncio.Event the worker's message loop also waits on


def worker_id() -> str:
    """Who holds a lease: host and process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def backoff(attempts: int, base: float, cap: float) -> dt.timedelta:
    """Exponential with ±10 % jitter so many messages coming back don't retry in lock-step."""
    seconds = min(cap, base * (2 ** max(attempts - 1, 0)))
    return dt.timedelta(seconds=seconds * random.uniform(0.9, 1.1))


def templates(app: App) -> TemplateStore:
    """The installation's template store, built (and fully checked) once per app."""
    store = app.extras.get(STORE_KEY)
    if store is None:
        store = TemplateStore(app.settings)
        app.extras[STORE_KEY] = store
    return store


def channels(app: App) -> Channels:
    found = app.extras.get(CHANNELS_KEY)
    if found is None:
        found = Channels(app.settings, app.db)  # WhatsApp Cloud reads the customer-service window
        app.extras[CHANNELS_KEY] = found
    return found


# --- sending ---------------------------------------------------------------------------------------


@dataclass
class Outcome:
    message_id: int
    status: MessageStatus
    channel: str | None = None
    recipient: str | None = None
    body: str | None = None
    encoding: str | None = None
    segments: int | None = None
    provider_sid: str | None = None
    provider_status: str | None = None
    error: str | None = None
    transient: bool = False


async def _dead_leases(app: App, now: dt.datetime) -> list[str]:
    """Lease holders of this machine that died (``kill -9`` mid-batch): their rows are free now."""
    async with app.reader() as uow:
        owners = await uow.session.scalars(
            select(Message.lease_owner)
            .where(Message.status == MessageStatus.PENDING, Message.lease_until >= now)
            .distinct()
        )
        return [o for o in owners if o and dead_here(o)]


async def _claim(app: App, limit: int) -> list[tuple[Message, Recipient]]:
    now = app.clock.now()
    free = or_(Message.lease_until.is_(None), Message.lease_until < now)
    dead = await _dead_leases(app, now)
    if dead:
        LOG.warning("taking over the message leases of dead workers %s", ", ".join(dead))
        free = or_(free, Message.lease_owner.in_(dead))
    async with app.uow() as uow:
        s = uow.session
        query = (
            select(Message)
            .where(
                Message.status == MessageStatus.PENDING,
                Message.next_attempt_at <= now,
                free,
            )
            .order_by(Message.next_attempt_at, Message.id)
            .limit(limit)
        )
        if app.db.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = list((await s.execute(query)).scalars())
        if not rows:
            return []
        ids = [m.id for m in rows]
        await s.execute(
            update(Message)
            .where(Message.id.in_(ids))
            .values(lease_owner=worker_id(), lease_until=now + LEASE)
            .execution_options(synchronize_session=False)
        )
        client_ids = {m.client_id for m in rows if m.client_id is not None}
        who: dict[int, Recipient] = {}
        if client_ids:
            for cid, phone, email, chat, opt_out in await s.execute(
                select(
                    Client.id, Client.phone, Client.email, Client.telegram_chat_id, Client.messages_opt_out
                ).where(Client.id.in_(client_ids))
            ):
                who[cid] = Recipient(cid, phone, email, chat, bool(opt_out))
        await uow.commit()
    nobody = Recipient(None, None, None, None, False)
    return [(m, who.get(m.client_id or -1, nobody)) for m in rows]


async def _send_staff(app: App, msg: Message) -> Outcome:
    """A staff message: rendered now, sent to its chat through the Telegram channel."""
    from antena.core.notify import staff

    if msg.staff_chat_id is None:
        return Outcome(msg.id, MessageStatus.SKIPPED, error="no staff chat")
    hub = channels(app)
    if not hub.available("telegram"):
        return Outcome(msg.id, MessageStatus.SKIPPED, error="no Telegram bot (ANTENA_TELEGRAM_TOKEN)")
    try:
        note = await staff.renderer(msg.event)(app, msg)
    except Exception as exc:  # a renderer bug or a missing file: visible, retried like a send error
        LOG.exception("rendering staff message %s (%s)", msg.id, msg.event)
        return Outcome(msg.id, MessageStatus.FAILED, error=f"render: {exc}"[:500], transient=True)
    if note is None:
        return Outcome(msg.id, MessageStatus.SKIPPED, error="no longer relevant")
    channel = hub.get("telegram")
    assert isinstance(channel, TelegramChannel)
    throttle = hub.throttle(channel)
    if throttle is not None:
        await throttle.wait()
    out = Outcome(msg.id, MessageStatus.FAILED, channel="telegram", recipient=str(msg.staff_chat_id))
    out.body = note.text[:4000]
    try:
        sent = await channel.send_staff(msg.staff_chat_id, note)
    except SendError as exc:
        out.error, out.transient = exc.reason, exc.transient
        return out
    failpoints.reach("message.sent")
    out.status, out.provider_sid = MessageStatus.SENT, sent.provider_sid
    out.provider_status = sent.provider_status
    return out


async def _send_one(app: App, msg: Message, who: Recipient) -> Outcome:
    if msg.staff_chat_id is not None:
        return await _send_staff(app, msg)
    if who.client_id is None:
        return Outcome(msg.id, MessageStatus.SKIPPED, error="client no longer exists")
    if who.opted_out and msg.channel != "email":
        return Outcome(msg.id, MessageStatus.SKIPPED, error="client opted out of messages")
    store = templates(app)
    try:
        from antena.core.notify.events import expand_context

        context = await expand_context(app, msg.event, msg.language, dict(msg.context))
        rendered = store.render(msg.event, msg.language, context)
    except (TemplateProblem, Exception) as exc:  # a bad override or a context that lacks a tag
        return Outcome(msg.id, MessageStatus.FAILED, error=f"template: {exc}"[:500])
    for warning in rendered.warnings:
        LOG.warning("message %s (%s): %s", msg.id, msg.event, warning)
    out = Outcome(
        msg.id,
        MessageStatus.FAILED,
        body=rendered.text,
        encoding=rendered.info.encoding,
        segments=rendered.info.segments,
    )
    hub = channels(app)
    content_sid = store.whatsapp_sid(msg.event, msg.language)
    route = hub.route(who, msg.channel, content_sid)
    if not route:
        out.status, out.error = MessageStatus.SKIPPED, "no channel reaches this client"
        return out
    errors: list[str] = []
    for name, address in route:
        channel = hub.get(name)
        throttle = hub.throttle(channel)
        if throttle is not None:
            await throttle.wait()
        numbered = store.whatsapp_variables(msg.event, msg.language, context) if content_sid else {}
        outgoing = Outgoing(
            msg.id, address, rendered.text, msg.event, msg.language, context, content_sid, numbered
        )
        try:
            sent = await channel.send(outgoing)
        except SendError as exc:
            errors.append(f"{name}: {exc.reason}")
            if exc.transient:  # the cheaper channel may work later: do not spend on the next one
                out.transient, out.channel, out.recipient = True, name, address
                break
            continue
        failpoints.reach("message.sent")  # accepted by the provider, not recorded yet
        out.status, out.channel, out.recipient = MessageStatus.SENT, channel.name, address
        out.provider_sid, out.provider_status = sent.provider_sid, sent.provider_status
        out.error = "; ".join(errors) or None
        return out
    out.error = "; ".join(errors)[:500]
    return out


async def _record(app: App, rows: dict[int, Message], outcomes: list[Outcome]) -> None:
    now = app.clock.now()
    s = app.settings
    async with app.uow() as uow:
        for o in outcomes:
            attempts = rows[o.message_id].attempts + 1
            values: dict[str, Any] = {
                "attempts": attempts,
                "lease_owner": None,
                "lease_until": None,
                "last_error": o.error,
                "updated_at": now,
            }
            for key in ("channel", "recipient", "body", "encoding", "segments"):
                if getattr(o, key) is not None:
                    values[key] = getattr(o, key)
            if o.status is MessageStatus.SENT:
                values.update(
                    status=MessageStatus.SENT,
                    sent_at=now,
                    provider_sid=o.provider_sid,
                    provider_status=o.provider_status,
                )
            elif o.transient and attempts < s.notify_max_attempts:
                values.update(
                    status=MessageStatus.PENDING,
                    next_attempt_at=now + backoff(attempts, s.notify_backoff_base, s.notify_backoff_max),
                )
            else:
                if o.transient:
                    values["last_error"] = f"gave up after {attempts} attempts: {o.error}"[:500]
                values["status"] = o.status
            await uow.session.execute(update(Message).where(Message.id == o.message_id).values(**values))
        await uow.commit()


async def send_due(app: App, *, limit: int = BATCH, concurrency: int = 8) -> list[Outcome]:
    """One worker pass: send what is due, each sender at its own pace; each result is written
    down as soon as its message went out (a crash repeats at most the message in flight)."""
    claimed = await _claim(app, limit)
    if not claimed:
        return []
    gate = asyncio.Semaphore(concurrency)

    async def one(msg: Message, who: Recipient) -> Outcome:
        async with gate:
            try:
                outcome = await _send_one(app, msg, who)
            except Exception as exc:  # a channel bug must not lose the message
                LOG.exception("sending message %s", msg.id)
                outcome = Outcome(
                    msg.id, MessageStatus.FAILED, error=f"internal error: {exc}", transient=True
                )
            await _record(app, {msg.id: msg}, [outcome])
            LOG.info(
                "message %s via %s: %s %s", outcome.message_id, outcome.channel, outcome.status,
                outcome.error or "",
            )  # fmt: skip
            return outcome

    return list(await asyncio.gather(*(one(m, w) for m, w in claimed)))


def kick(app: App) -> None:
    """Wake this process's message worker now (a payment's receipt need not wait for its poll)."""
    wake = app.extras.get(WAKE_KEY)
    if isinstance(wake, asyncio.Event):
        wake.set()


# --- delivery reports ------------------------------------------------------------------------------

_RANK = {"accepted": 0, "queued": 1, "sending": 2, "sent": 3, "delivered": 4, "read": 5}
_FAILED = {"failed", "undelivered", "canceled"}


async def apply_status(app: App, provider_sid: str, status: str, error_code: str | None = None) -> bool:
    """A Twilio status callback: never moves a message backwards (callbacks arrive out of order)."""
    status = status.strip().lower()
    async with app.uow() as uow:
        msg = (
            await uow.session.execute(select(Message).where(Message.provider_sid == provider_sid))
        ).scalar_one_or_none()
        if msg is None:
            return False
        if status in _FAILED:
            msg.status = MessageStatus.FAILED
            msg.last_error = f"{status}" + (f" (error {error_code})" if error_code else "")
            msg.provider_status = status
        elif msg.status is not MessageStatus.FAILED:
            if _RANK.get(status, -1) >= _RANK.get(msg.provider_status or "", -1):
                msg.provider_status = status
            if status in {"delivered", "read"}:
                msg.status = MessageStatus.DELIVERED
        msg.updated_at = app.clock.now()
        await uow.commit()
    return True


async def aclose(app: App) -> None:
    hub = app.extras.pop(CHANNELS_KEY, None)
    if hub is not None:
        await hub.aclose()
