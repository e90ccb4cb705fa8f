"""``execute_many``: one statement over many rows through the driver, the statement's own values
(a timestamp, a status in the WHERE) processed once: what recording a cut-off's results uses."""

from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import Table, bindparam, select

from antena.core.audit import Actor
from antena.core.bootstrap import App
from antena.core.db.bulk import execute_many
from antena.core.db.models import Router, Zone
from antena.core.db.router_tasks import RouterTask, TaskStatus

TASKS = cast(Table, RouterTask.__table__)


async def test_each_row_gets_its_values_and_the_statement_its_own(app: App) -> None:
    when = dt.datetime(2026, 6, 5, 3, 0, tzinfo=dt.UTC)
    async with app.uow() as uow:
        zone = Zone(name="Centro", issue_day=28, notice_day=30, pay_day=1, cutoff_day=5)
        uow.session.add(zone)
        await uow.session.flush()
        router = Router(name="RB-Centro", host="127.0.0.1", port=8728, username="u", password="p", zone_id=zone.id)
        uow.session.add(router)
        await uow.session.flush()
        tasks = [
            RouterTask(router_id=router.id, client_id=i, kind="suspend", key=f"k{i}", payload={},
                       status=TaskStatus.PENDING, actor=Actor.cli().name)
            for i in range(1, 5)
        ]  # fmt: skip
        uow.session.add_all(tasks)
        await uow.session.flush()
        ids = [t.id for t in tasks]
        await uow.session.execute(
            TASKS.update().where(TASKS.c.id == ids[3]).values(status=TaskStatus.FAILED.value)
        )
        stmt = (
            TASKS.update()
            .where(TASKS.c.id == bindparam("tid"), TASKS.c.status == TaskStatus.PENDING.value)
            .values(status=TaskStatus.DONE.value, attempts=bindparam("n"), finished_at=when, updated_at=when)
        )
        await execute_many(uow.session, stmt, [{"tid": t, "n": n} for n, t in enumerate(ids, 1)])
        await uow.commit()
    async with app.reader() as uow:
        rows = (await uow.session.execute(select(RouterTask).order_by(RouterTask.id))).scalars().all()
    assert [(r.status, r.attempts) for r in rows] == [
        (TaskStatus.DONE, 1), (TaskStatus.DONE, 2), (TaskStatus.DONE, 3), (TaskStatus.FAILED, 0),
    ]  # fmt: skip
    assert all(r.finished_at is not None and r.finished_at.replace(tzinfo=dt.UTC) == when for r in rows[:3])
    assert rows[3].finished_at is None, "the WHERE's own value (status = pending) was applied"
