"""Suspend, activate, set free, cancel and delete clients: the database change, the router tasks and
the customer messages it needs are written in the caller's unit of work (one transaction); after
its commit a hook tries the router tasks at once and fills in what each router answered."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from antena.core.audit import Actor, record
from antena.core.clients import delivery, history
from antena.core.clients.delivery import TaskPairs, deliver_after_commit, live_services
from antena.core.clients.delivery import action_of as _action
from antena.core.clients.outcome import ActionReport, ClientAction
from antena.core.clients.specs import fallback_released_ip, op, released_ip
from antena.core.clients.subjects import Subject, load_subjects, sync_loaded
from antena.core.db.bulk import insert_many
from antena.core.db.ids import among
from antena.core.db.models import Client, ClientStatus, ClientStatusChange, Router, Service
from antena.core.db.router_tasks import RouterTask
from antena.core.db.uow import UnitOfWork
from antena.core.errors import InvalidInput, NotAllowed, NotFound
from antena.core.gc_tuning import relaxed
from antena.core.i18n import _
from antena.core.notify import events as notify_events
from antena.core.routeros.ops import OpKind, RouterOp
from antena.core.routeros.outbox import enqueue, enqueue_many, hand_off

DELETE_CONFIRMATION = "eliminar_clientes"
HISTORY = cast(Table, ClientStatusChange.__table__)
BULK_CHUNK = 3_000  # clients per step of a bulk access change: bounds its memory


async def load_clients(session: AsyncSession, client_ids: Sequence[int]) -> list[Client]:
    ids = list(dict.fromkeys(client_ids))
    clients = {c.id: c for c in (await session.execute(select(Client).where(Client.id.in_(ids)))).scalars()}
    missing = [i for i in ids if i not in clients]
    if missing:
        raise NotFound(_("No client with id {id}").format(id=missing[0]))
    return [clients[i] for i in ids]


def set_status(
    session: AsyncSession,
    client: Client,
    status: ClientStatus,
    now,
    actor: Actor,  # type: ignore[no-untyped-def]
    reason: str | None = None,
) -> None:
    if client.status is status:
        return
    client.status = status
    client.status_changed_at = now
    session.add(
        ClientStatusChange(
            client_id=client.id, status=status, changed_at=now, actor=actor.name, reason=reason
        )
    )


async def _set_status_bulk(
    session: AsyncSession,
    clients: Sequence[Subject],
    status: ClientStatus,
    now: dt.datetime,
    actor: Actor,
    reason: str | None,
) -> None:
    """One UPDATE and one executemany of the history for a whole cut-off."""
    ids = [c.id for c in clients]
    await session.execute(
        update(Client)
        .where(among(session, Client.id, ids))
        .values(status=status, status_changed_at=now)
        .execution_options(synchronize_session=False)
    )
    await insert_many(
        session,
        HISTORY,
        ("client_id", "status", "changed_at", "actor", "reason"),
        [(i, status, now, actor.name, reason) for i in ids],
    )
    for client in clients:
        client.status = status
    sync_loaded(session, dict.fromkeys(ids, status), now)


def event_key(name: str, now: dt.datetime) -> str:
    """A key naming one business event, for the keys of the router tasks it queues."""
    return f"{name}:{now.isoformat(timespec='microseconds')}"


def _refusal(client: Client | Subject, target: ClientStatus) -> str | None:
    if client.status is ClientStatus.CANCELLED:
        return _("the client is cancelled")
    if not live_services(client):
        return _("the client has no service")
    if client.status is target:
        return _("already suspended") if target is ClientStatus.SUSPENDED else _("already active")
    return None


@relaxed
async def change_access(
    uow: UnitOfWork,
    actor: Actor,
    client_ids: Sequence[int],
    *,
    target: ClientStatus,
    reason: str | None = None,
    deliver: bool = True,
    action_name: str | None = None,
    key: str | None = None,
    compact: bool = False,
) -> ActionReport:
    """Suspend (``target=SUSPENDED``) or activate (``ACTIVE``/``FREE``) clients, single or bulk,
    in the caller's transaction; ``key`` names the business event (a payment, a cut-off day) so
    that replaying it never queues a second router task.

    A client already in the target state is still sent the router operation (idempotent): staff
    who repeat a suspension expect the router to end up right even if it had drifted. Clients go
    ``BULK_CHUNK`` at a time (one transaction still), so a cut-off of 100,000 holds one chunk's
    rows, operations and messages in memory at once, not all of them. ``compact`` (a cut-off day):
    above ``delivery.DETAIL_LIMIT`` clients, the report lists only the clients whose router did not
    apply the change and counts the others per router (``report.applied``; see ``delivery``).
    """
    kind = OpKind.SUSPEND if target is ClientStatus.SUSPENDED else OpKind.ACTIVATE
    report = ActionReport()
    ids = list(dict.fromkeys(client_ids))
    pending = TaskPairs(compact=compact and deliver and len(ids) > delivery.DETAIL_LIMIT)
    if deliver:
        hand_off(uow)
    now = uow.app.clock.now()
    name = action_name or ("client.suspend" if kind is OpKind.SUSPEND else f"client.{target.value}")
    prefix = key or event_key(name, now)
    for start in range(0, len(ids), BULK_CHUNK):
        spec = _Chunk(kind, target, reason, prefix, now, single=len(ids) == 1)
        await _change_chunk(uow, actor, ids[start : start + BULK_CHUNK], spec, report, pending)
    record(
        uow.session,
        actor,
        name,
        target=", ".join(str(i) for i in ids[:40])[:160],
        arguments={"clients": ids, "reason": reason, "skipped": [s[0] for s in report.skipped]},
    )
    if deliver:
        deliver_after_commit(uow, report, pending)
    return report


@dataclass(frozen=True)
class _Chunk:
    kind: OpKind
    target: ClientStatus
    reason: str | None
    prefix: str
    now: dt.datetime
    single: bool


async def _change_chunk(
    uow: UnitOfWork,
    actor: Actor,
    ids: list[int],
    spec: _Chunk,
    report: ActionReport,
    pending: TaskPairs,
) -> None:
    """One chunk of :func:`change_access`: statuses, history, messages and router tasks."""
    app, target, now = uow.app, spec.target, spec.now
    suspend_list = app.settings.suspend_list
    found = await load_subjects(uow.session, ids)
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound(_("No client with id {id}").format(id=missing[0]))
    changed: list[Subject] = []
    planned: list[tuple[Router, RouterOp]] = []
    keys: list[str] = []
    actions: list[ClientAction] = []
    routed: dict[int, ClientAction] = {}  # compact: clients with router tasks, reported after delivery
    for client in (found[i] for i in ids):
        refusal = _refusal(client, target)
        if refusal and client.status is not target:
            if spec.single:
                raise NotAllowed(_("{name}: {reason}").format(name=client.name, reason=refusal))
            report.skipped.append((client.id, client.name, refusal))
            continue
        if client.status is not target:
            changed.append(client)
        action = _action(client, refusal)
        action.status = target
        for service in live_services(client):
            if service.router.api_enabled:
                planned.append((service.router, op(spec.kind, client, service, suspend_list)))
                keys.append(f"{spec.prefix}:{client.id}:{service.id}:{spec.kind.value}")
            else:
                action.api_disabled = True
        if pending.compact and not action.api_disabled and live_services(client):
            routed[client.id] = action
        else:
            actions.append(action)
    restored = await _restore_free(uow.session, changed, target)
    for status, group in ((target, [c for c in changed if c.id not in restored]),
                          (ClientStatus.FREE, [c for c in changed if c.id in restored])):  # fmt: skip
        if group:
            await _set_status_bulk(uow.session, group, status, now, actor, spec.reason)
    for action in [*actions, *routed.values()]:
        if action.client_id in restored:
            action.status = ClientStatus.FREE
    report.actions.extend(actions)
    await notify_events.access_changed(uow.session, app, changed, target, now)
    tasked: set[int] = set()
    for router, _op in planned:
        pending.router_names[router.id] = router.name
    for task_id, client_id, router_id in await enqueue_many(uow.session, planned, actor, keys=keys):
        if client_id is not None:  # every access change is a client's
            pending.add(client_id, task_id, router_id)
            tasked.add(client_id)
    report.actions.extend(routed.pop(i) for i in list(routed) if i not in tasked)  # already queued: a replay
    report.compacted += len(routed)


async def _restore_free(session: AsyncSession, changed: Sequence[Subject], target: ClientStatus) -> set[int]:
    """Activating a client that was free when suspended by hand makes it free again, not paying."""
    if target is not ClientStatus.ACTIVE:
        return set()
    suspended = [c.id for c in changed if c.status is ClientStatus.SUSPENDED]
    return await history.free_before_suspension(session, suspended) if suspended else set()


async def suspend(uow: UnitOfWork, actor: Actor, client_ids: Sequence[int], **kw: object) -> ActionReport:
    return await change_access(uow, actor, client_ids, target=ClientStatus.SUSPENDED, **kw)  # type: ignore[arg-type]


async def activate(uow: UnitOfWork, actor: Actor, client_ids: Sequence[int], **kw: object) -> ActionReport:
    return await change_access(uow, actor, client_ids, target=ClientStatus.ACTIVE, **kw)  # type: ignore[arg-type]


async def set_free(uow: UnitOfWork, actor: Actor, client_id: int) -> ActionReport:
    """A free client is never invoiced or cut automatically; its service must be open."""
    return await change_access(uow, actor, [client_id], target=ClientStatus.FREE, action_name="client.free")


async def cancel(
    uow: UnitOfWork,
    actor: Actor,
    client_id: int,
    *,
    ip_mode: str | None = None,
    cancel_invoices: bool = False,
) -> ActionReport:
    """Cancel as the manual describes: optionally keep the IP and suspend it on the router,
    or release the IP (10.x → 127.0.x.x …) and remove the service from the router."""
    return await cancel_many(uow, actor, [client_id], ip_mode=ip_mode, cancel_invoices=cancel_invoices)


async def cancel_many(
    uow: UnitOfWork,
    actor: Actor,
    client_ids: Sequence[int],
    *,
    ip_mode: str | None = None,
    cancel_invoices: bool = False,
) -> ActionReport:
    """Cancel one client or a selection as one business event; in a selection, clients already
    cancelled are left out (one named client already cancelled is refused)."""
    if ip_mode not in (None, "keep", "release"):
        raise InvalidInput(_("Unknown cancel option {value}: use keep or release").format(value=ip_mode))
    hand_off(uow)
    report = ActionReport()
    queued: dict[int, list[RouterTask]] = {}
    clients = await load_clients(uow.session, client_ids)
    for client in clients:
        if client.status is ClientStatus.CANCELLED:
            if len(clients) == 1:
                raise NotAllowed(_("{name} is already cancelled").format(name=client.name))
            report.skipped.append((client.id, client.name, _("already cancelled")))
            continue
        action, tasks = await _cancel_one(uow, actor, client, ip_mode, cancel_invoices)
        report.actions.append(action)
        queued[client.id] = tasks
    await uow.flush()
    deliver_after_commit(uow, report, {cid: [t.id for t in tasks] for cid, tasks in queued.items()})
    return report


async def _cancel_one(
    uow: UnitOfWork, actor: Actor, client: Client, ip_mode: str | None, cancel_invoices: bool
) -> tuple[ClientAction, list[RouterTask]]:
    app = uow.app
    now = app.clock.now()
    suspend_list = app.settings.suspend_list
    set_status(uow.session, client, ClientStatus.CANCELLED, now, actor)
    action = _action(client)
    tasks: list[RouterTask] = []
    for service in live_services(client):
        ops = []
        if ip_mode == "keep":
            ops.append(op(OpKind.SUSPEND, client, service, suspend_list))
        elif ip_mode == "release":
            ops.append(op(OpKind.REMOVE_SERVICE, client, service, suspend_list))
            ops.append(op(OpKind.ACTIVATE, client, service, suspend_list))
            if service.ip:
                service.ip = await _free_released_ip(uow.session, service)
            service.cancelled = True
        for router_op in ops:
            task = enqueue(uow.session, service.router, router_op, actor)
            if task is None:
                action.api_disabled = True
            else:
                tasks.append(task)
    if cancel_invoices:
        hook = app.extras.get("on_cancel_invoices")
        if hook is not None:
            await hook(uow.session, client, actor)
        else:  # the manual's first option: also cancel every pending invoice, in this transaction
            # Imported here: billing's queries cost a suspension's start-up 30 ms it never uses.
            from antena.core.billing.cancel import cancel_pending_invoices

            await cancel_pending_invoices(uow.session, client.id, actor, now)
    action.ip = (
        live_services(client)[0].ip
        if live_services(client)
        else (client.services[0].ip if client.services else None)
    )
    record(
        uow.session,
        actor,
        "client.cancel",
        target=f"{client.id} {client.name}",
        arguments={"ip_mode": ip_mode, "cancel_invoices": cancel_invoices, "ip": action.ip},
    )
    return action, tasks


async def _free_released_ip(session: AsyncSession, service: Service) -> str:
    """The mapped address if nobody on that router has it, else 100.64.x.x, else ask staff."""
    taken = set(
        (
            await session.execute(
                select(Service.ip).where(Service.router_id == service.router_id, Service.id != service.id)
            )
        ).scalars()
    )
    assert service.ip is not None
    for candidate in (released_ip(service.ip), fallback_released_ip(service.ip)):
        if candidate not in taken:
            return candidate
    raise InvalidInput(
        _("Released IPs {a} and {b} are both taken: change the IP of this client by hand").format(
            a=released_ip(service.ip), b=fallback_released_ip(service.ip)
        )
    )


async def delete(
    uow: UnitOfWork, actor: Actor, client_id: int, *, from_router: bool, confirmation: str
) -> ActionReport:
    """Delete one client for good (history included); the manual asks for a typed confirmation."""
    if confirmation.strip() != DELETE_CONFIRMATION:
        raise InvalidInput(
            _("To delete, type {word} exactly (nothing was deleted)").format(word=DELETE_CONFIRMATION)
        )
    hand_off(uow)
    suspend_list = uow.app.settings.suspend_list
    report = ActionReport()
    pending: dict[int, list[int]] = {}
    (client,) = await load_clients(uow.session, [client_id])
    action = _action(client)
    tasks = []
    if from_router:
        for service in client.services:
            for kind in (OpKind.REMOVE_SERVICE, OpKind.ACTIVATE):
                task = enqueue(uow.session, service.router, op(kind, client, service, suspend_list), actor)
                if task is None:
                    action.api_disabled = True
                else:
                    tasks.append(task)
    else:
        action.note = _("deleted from the database only; the router was not touched")
    record(
        uow.session,
        actor,
        "client.delete",
        target=f"{client.id} {client.name}",
        arguments={"from_router": from_router},
    )
    await uow.session.delete(client)
    await uow.flush()
    pending[client_id] = [t.id for t in tasks]
    report.actions.append(action)
    deliver_after_commit(uow, report, pending)
    return report
