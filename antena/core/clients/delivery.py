"""After an access change commits: try its router tasks and tell each client's story.

A few clients (staff suspending one, a selection of thirty) get a :class:`ClientAction` each with
every delivery and what it did on the router. A cut-off day of 100,000 cannot afford that while
its routers are being written to (an object per client, a delivery and its notes: ~50 MB held
until the summary is logged), so a *compact* change keeps (client, task, router) as three arrays,
counts the applied clients per router in ``report.applied`` and builds a ``ClientAction`` only for
the clients who need attention (queued, refused), read back from the database after the routers
answered.
"""

from __future__ import annotations

import time
from array import array
from collections.abc import Iterator, Mapping, Sequence
from typing import overload

from antena.core.bootstrap import App
from antena.core.clients.outcome import ActionReport, ClientAction
from antena.core.clients.subjects import ServiceRow, Subject, load_subjects
from antena.core.db.models import Client, Service
from antena.core.db.uow import UnitOfWork
from antena.core.routeros.claims import handoff_owner
from antena.core.routeros.outbox import Delivery, deliver_now

#: Above this many tasks, an applied task's notes ("listed 10.0.0.5 in morosos") are not kept.
DETAIL_LIMIT = 1000


class TaskPairs:
    """(client, task, router) ids of a bulk change in three arrays: a cut-off of 100,000 keeps
    2.4 MB of them until its routers answer, not a list per client in a dict (25 MB)."""

    def __init__(self, *, compact: bool = False) -> None:
        self.compact = compact
        self.clients = array("q")
        self.tasks = array("q")
        self.routers = array("q")
        self.router_names: dict[int, str] = {}

    def add(self, client_id: int, task_id: int, router_id: int = 0) -> None:
        self.clients.append(client_id)
        self.tasks.append(task_id)
        self.routers.append(router_id)

    def __len__(self) -> int:
        return len(self.tasks)

    def pairs(self) -> Iterator[tuple[int, int]]:
        return zip(self.clients, self.tasks, strict=True)


Pending = Mapping[int, Sequence[int]] | TaskPairs


def _pairs(pending: Pending) -> Iterator[tuple[int, int]]:
    if isinstance(pending, TaskPairs):
        return pending.pairs()
    return ((client_id, task_id) for client_id, ids in pending.items() for task_id in ids)


async def finish(app: App, report: ActionReport, pending: Pending, owner: str | None = None) -> ActionReport:
    """After commit: try the tasks now and attach what happened to each client. ``owner``: the
    hand-off the tasks were committed with (``outbox.hand_off``)."""
    if isinstance(pending, TaskPairs) and pending.compact:
        return await _finish_compact(app, report, pending, owner)
    all_ids = [task_id for _client, task_id in _pairs(pending)]
    if not all_ids:
        return report
    done = await deliver_now(app, all_ids, details=len(all_ids) <= DETAIL_LIMIT, owner=owner)
    by_task = {d.task_id: d for d in done}
    actions = {a.client_id: a for a in report.actions}
    for action in report.actions:
        action.deliveries = []
    for client_id, task_id in _pairs(pending):
        delivery = by_task.get(task_id)
        if delivery is not None and (found := actions.get(client_id)) is not None:
            found.deliveries.append(delivery)
    return report


async def _finish_compact(
    app: App, report: ActionReport, pending: TaskPairs, owner: str | None
) -> ActionReport:
    """Deliver, count the applied clients per router, and describe only the others."""
    last: dict[int, int] = {}
    for task_id, router_id in zip(pending.tasks, pending.routers, strict=True):
        last[router_id] = max(last.get(router_id, 0), task_id)
    done = await deliver_now(app, pending.tasks, details=False, last_per_router=last, owner=owner)
    held = {d.task_id: d for d in done}
    attention: dict[int, list[Delivery]] = {}
    for task_id, client_id in zip(pending.tasks, pending.clients, strict=True):
        if task_id in held:
            attention.setdefault(client_id, []).append(held[task_id])
    previous = None
    for client_id, router_id in zip(pending.clients, pending.routers, strict=True):
        if client_id != previous and client_id not in attention:  # a client's tasks are consecutive
            report.applied[pending.router_names.get(router_id, "-")] += 1
        previous = client_id
    if attention:
        async with app.reader() as uow:
            found = await load_subjects(uow.session, sorted(attention))
        named = [_described(found[i], attention[i]) for i in sorted(attention) if i in found]
        report.actions.extend(named)
        report.compacted -= len(named)
    return report


def _described(client: Subject, deliveries: list[Delivery]) -> ClientAction:
    """A client whose router did not apply the change, as it is now (committed) in the database."""
    action = action_of(client)
    action.deliveries = deliveries
    return action


@overload
def live_services(client: Client) -> list[Service]: ...
@overload
def live_services(client: Subject) -> list[ServiceRow]: ...
def live_services(client: Client | Subject) -> list[Service] | list[ServiceRow]:
    return [s for s in client.services if not s.cancelled]  # type: ignore[return-value]


def action_of(client: Client | Subject, note: str | None = None) -> ClientAction:
    """The report line of one client: its first live service's address and router."""
    service = live_services(client)[0] if live_services(client) else (client.services or [None])[0]
    return ClientAction(
        client_id=client.id,
        client_name=client.name,
        ip=service.ip if service else None,
        router_name=service.router.name if service else "-",
        status=client.status,
        note=note,
    )


def deliver_after_commit(uow: UnitOfWork, report: ActionReport, pending: Pending) -> None:
    """Once ``uow`` commits, try these tasks on their routers and fill ``report`` in place; the
    entry point renders the report after ``app.perform`` returns. What fails stays queued. The
    service called ``outbox.hand_off`` before queueing them, so no worker takes them meanwhile."""
    if not (len(pending) if isinstance(pending, TaskPairs) else any(pending.values())):
        return
    app = uow.app
    owner = handoff_owner(uow.session)
    big = isinstance(pending, TaskPairs) and pending.compact
    if big:  # from now until this delivery ends (or a minute, if the transaction rolls back)
        app.extras[BULK_DELIVERY] = time.monotonic() + 60.0

    async def deliver() -> None:
        try:
            await finish(app, report, pending, owner)
        finally:
            if big:
                app.extras[BULK_DELIVERY] = 0.0

    uow.after_commit(deliver)


#: ``app.extras`` key: until when (``time.monotonic``) a bulk change of this process is delivering
#: its own tasks. Its routers are held by its hand-off lease whatever the worker does (that is
#: what keeps a worker from taking them); the worker of the same process (``antena run`` runs
#: both) also stops polling the queue meanwhile, so it does not contend for SQLite's write lock
#: with the delivery, and the reconciler waits for the day's changes to be on the routers.
BULK_DELIVERY = "bulk_delivery_until"


def bulk_delivering(app: App) -> bool:
    """A bulk change of this process is delivering its own tasks right now."""
    return bool(app.extras.get(BULK_DELIVERY, 0.0) > time.monotonic())
