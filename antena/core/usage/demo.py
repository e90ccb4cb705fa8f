"""A believable usage history for the demo's clients, so "Mi consumo" and ``usage export`` have
something to show before the sampler has run for months."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import insert, select

from antena.core.bootstrap import App
from antena.core.db.models import Client, ClientStatus
from antena.core.db.usage_models import UsageDaily

GB = 1_000_000_000


async def seed_history(app: App, days: int = 120) -> int:
    """``days`` days of daily usage for every client not cancelled (heavier at weekends, each
    client with its own habit); returns the rows written."""
    today = app.clock.today()
    async with app.uow() as uow:
        ids = list(
            await uow.session.scalars(select(Client.id).where(Client.status != ClientStatus.CANCELLED))
        )
        rows = []
        for client_id in ids:
            rng = random.Random(client_id)
            habit = rng.uniform(0.5, 6.0) * GB  # bytes down on an ordinary day
            for n in range(1, days + 1):
                day = today - dt.timedelta(days=n)
                weekend = 1.4 if day.weekday() >= 5 else 1.0
                down = int(habit * weekend * rng.uniform(0.6, 1.4))
                rows.append({"client_id": client_id, "day": day, "bytes_down": down,
                             "bytes_up": down // rng.randint(6, 12), "samples": 96})  # fmt: skip
        if rows:
            await uow.session.execute(insert(UsageDaily), rows)
        await uow.commit()
    return len(rows)
