"""Queueing customer messages: rows added to the message outbox in the caller's transaction.

Why apart: every service that causes a message (an invoice, a payment, a suspension, the day's
reminders) calls :func:`enqueue` or :func:`enqueue_many` inside its own transaction; the worker's
half of the outbox (claiming, sending, recording, delivery reports) stays in
:mod:`antena.core.notify.outbox`, which re-exports these names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from antena.core.db.bulk import insert_many
from antena.core.db.message_models import Message, MessageStatus
from antena.core.db.models import Client
from antena.core.db.uow import MESSAGES_QUEUED
from antena.core.i18n import normalize_language

DUE_AT_ONCE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def _insert(session: AsyncSession) -> Any:
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(cast(Table, Message.__table__))


def _row(
    client_id: int | None,
    event: str,
    language: str,
    context: dict[str, Any],
    dedupe_key: str,
    channel: str | None,
    now: dt.datetime,
    staff_chat_id: int | None = None,
    not_before: dt.datetime | None = None,
) -> dict[str, Any]:
    return {
        "client_id": client_id,
        "staff_chat_id": staff_chat_id,
        "event": event,
        "language": language,
        "context": context,
        "dedupe_key": dedupe_key[:160],
        "channel": channel,
        "status": MessageStatus.PENDING.value,
        "attempts": 0,
        # not "now": a worker on a pinned (test) clock must still see it
        "next_attempt_at": not_before or DUE_AT_ONCE,
        "created_at": now,
        "updated_at": now,
    }


async def enqueue(
    session: AsyncSession,
    client: Client,
    event: str,
    context: dict[str, Any],
    dedupe_key: str,
    *,
    channel: str | None = None,
    language: str | None = None,
) -> bool:
    """Queue one message in the caller's transaction; ``False`` when ``dedupe_key`` was queued before."""
    lang = normalize_language(language or client.language)
    row = _row(client.id, event, lang, context, dedupe_key, channel, dt.datetime.now(dt.UTC))
    stmt = _insert(session).values(**row).on_conflict_do_nothing(index_elements=["dedupe_key"])
    result = await session.execute(stmt)
    session.info[MESSAGES_QUEUED] = True
    return bool(result.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Draft:
    client_id: int | None
    event: str
    language: str
    context: dict[str, Any]
    dedupe_key: str
    channel: str | None = None
    staff_chat_id: int | None = None
    not_before: dt.datetime | None = None  # held until then (the grace of a suspension notice)


_COLUMNS = (
    "client_id", "staff_chat_id", "event", "language", "context", "dedupe_key", "channel", "status",
    "attempts", "next_attempt_at", "created_at", "updated_at",
)  # fmt: skip


async def enqueue_many(session: AsyncSession, drafts: Sequence[Draft], *, chunk: int = 20_000) -> int:
    """Bulk ``enqueue`` (the day's reminders, a cut-off's notices): the driver's executemany,
    duplicates skipped. Returns rows tried."""
    if not drafts:
        return 0
    now = dt.datetime.now(dt.UTC)
    pending = MessageStatus.PENDING.value
    table = cast(Table, Message.__table__)
    for start in range(0, len(drafts), chunk):
        rows = [
            (d.client_id, d.staff_chat_id, d.event, d.language, d.context, d.dedupe_key[:160], d.channel,
             pending, 0, d.not_before or DUE_AT_ONCE, now, now)
            for d in drafts[start : start + chunk]
        ]  # fmt: skip
        await insert_many(session, table, _COLUMNS, rows, skip_conflicts_on=["dedupe_key"])
    session.info[MESSAGES_QUEUED] = True
    return len(drafts)
