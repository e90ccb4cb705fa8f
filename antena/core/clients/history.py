"""What a client's status history says: the status a suspension interrupted, so that activating
a free client suspended by hand gives it back its free service instead of making it a paying one."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from antena.core.db.models import ClientStatus, ClientStatusChange

CHUNK = 500  # ids per IN (...) list, well under every driver's parameter limit


async def status_before_suspension(
    session: AsyncSession, client_ids: Sequence[int]
) -> dict[int, ClientStatus]:
    """For each client, the status it had before its latest suspension (clients never suspended,
    or suspended from the start, are left out)."""
    ids = sorted(set(client_ids))
    found: dict[int, ClientStatus] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        rows = await session.execute(
            select(ClientStatusChange.client_id, ClientStatusChange.status)
            .where(ClientStatusChange.client_id.in_(chunk))
            .order_by(ClientStatusChange.client_id, ClientStatusChange.id)
        )
        history: dict[int, list[ClientStatus]] = {}
        for client_id, status in rows:
            history.setdefault(client_id, []).append(ClientStatus(status))
        for client_id, statuses in history.items():
            before = _before_last_suspension(statuses)
            if before is not None:
                found[client_id] = before
    return found


def _before_last_suspension(statuses: list[ClientStatus]) -> ClientStatus | None:
    i = len(statuses) - 1
    while i >= 0 and statuses[i] is not ClientStatus.SUSPENDED:
        i -= 1
    while i >= 0 and statuses[i] is ClientStatus.SUSPENDED:
        i -= 1
    return statuses[i] if i >= 0 else None


async def free_before_suspension(session: AsyncSession, client_ids: Sequence[int]) -> set[int]:
    """The clients among these that were free when they were last suspended."""
    before = await status_before_suspension(session, client_ids)
    return {cid for cid, status in before.items() if status is ClientStatus.FREE}
