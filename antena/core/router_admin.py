"""Routers after the fact: list them, fix a wrong host or password, move one, switch its API,
remove one nobody uses. Adding and editing try the API login first (``routeros.identity``)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from sqlalchemy import delete, func, select, update

from antena.core import network, validate
from antena.core.audit import Actor, record
from antena.core.bootstrap import App
from antena.core.clients.specs import plan_spec
from antena.core.db.models import Plan, Router, Service
from antena.core.db.router_tasks import RouterTask, TaskStatus
from antena.core.db.uow import UnitOfWork
from antena.core.errors import AlreadyExists, InvalidInput, NotAllowed
from antena.core.i18n import _, ngettext
from antena.core.routeros.identity import Probe, ProbeStatus, probe
from antena.core.routeros.ops import OpKind, RouterAccess, RouterOp
from antena.core.routeros.outbox import Delivery, deliver_now, enqueue, hand_off
from antena.core.routeros.plans import plan_objects
from antena.core.text import fold

LOGIN_REFUSED = "login_refused"


@dataclass(frozen=True)
class RouterRow:
    name: str
    host: str
    port: int
    username: str
    zone: str
    api_enabled: bool
    clients: int
    open_tasks: int
    login_refused: bool  # its queued changes wait because it refused our user or password


@dataclass
class RouterChanges:
    """What ``router edit`` may change; ``None`` leaves it as it is."""

    name: str | None = None
    host: str | None = None
    port: str | None = None
    username: str | None = None
    password: str | None = None
    zone: str | None = None
    api: bool | None = None

    def given(self) -> list[str]:
        return [f.name for f in fields(self) if getattr(self, f.name) is not None]


@dataclass
class RouterResult:
    """What adding or editing a router did: the login check, plans pushed, queued changes retried."""

    name: str
    probe: Probe
    changed: list[str] = field(default_factory=list)
    api_turned_on: bool = False
    retried: int = 0  # changes that were waiting for this router, tried again now
    dropped: int = 0  # changes that were waiting, dropped because the API was turned off
    deliveries: list[Delivery] = field(default_factory=list)


def parse_port(value: object) -> int:
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= 65535:
        raise InvalidInput(_("Port must be a number from 1 to 65535, not {port}").format(port=value))
    return int(text)


async def clients_on(uow: UnitOfWork, router_id: int) -> int:
    """Clients with a service on the router, cancelled ones included (their rows keep it)."""
    count = await uow.session.scalar(
        select(func.count(func.distinct(Service.client_id))).where(Service.router_id == router_id)
    )
    return int(count or 0)


def in_use(name: str, clients: int) -> str:
    return ngettext(
        "{name} has {n} client: move it to another router or delete it first",
        "{name} has {n} clients: move them to another router or delete them first",
        clients,
    ).format(name=name, n=clients)


async def list_routers(uow: UnitOfWork) -> list[RouterRow]:
    rows = await uow.session.execute(
        select(Service.router_id, func.count(func.distinct(Service.client_id)))
        .where(Service.cancelled.is_(False))
        .group_by(Service.router_id)
    )
    clients = {router_id: n for router_id, n in rows.all()}
    tasks: dict[int, tuple[int, bool]] = {}
    open_rows = await uow.session.execute(
        select(RouterTask.router_id, RouterTask.error_code).where(
            RouterTask.status.in_([TaskStatus.PENDING, TaskStatus.FAILED])
        )
    )
    for router_id, code in open_rows.all():
        count, refused = tasks.get(router_id, (0, False))
        tasks[router_id] = (count + 1, refused or code == LOGIN_REFUSED)
    return [
        RouterRow(
            r.name, r.host, r.port, r.username, r.zone.name, r.api_enabled,
            clients.get(r.id, 0), *tasks.get(r.id, (0, False)),
        )
        for r in await network.list_routers(uow)
    ]  # fmt: skip


def _push_plans(uow: UnitOfWork, router: Router, plans: list[Plan], actor: Actor) -> list[RouterTask]:
    """Every plan's profile or PCQ queues onto this router (a new router, or its API back on)."""
    specs = [spec for spec in map(plan_spec, plans) if plan_objects(spec)]
    tasks = [enqueue(uow.session, router, RouterOp.for_plan(OpKind.UPSERT_PLAN, s), actor) for s in specs]
    return [t for t in tasks if t is not None]


async def _all_plans(uow: UnitOfWork) -> list[Plan]:
    return list((await uow.session.execute(select(Plan).order_by(Plan.id))).scalars())


async def _probe(app: App, name: str, host: str, port: int, username: str, password: str, tls: bool) -> Probe:
    access = RouterAccess(0, name, host, port, username, password, tls, app.settings.router_timeout)
    return await probe(access)


async def add_router(
    app: App,
    actor: Actor,
    *,
    name: str,
    host: str,
    port: object,
    username: str,
    password: str,
    zone: str,
    api_enabled: bool = True,
    use_tls: bool = False,
    check: bool = True,
) -> RouterResult:
    """Check the login (unless ``check`` is off), save the router, send it every plan."""
    name = validate.required(name, _("Router name"), max_len=80)
    host = validate.required(host, _("Router host"), max_len=255)
    username = validate.required(username, _("Router username"), max_len=80)
    port_number = parse_port(port)
    async with app.reader() as uow:
        await network.find_zone(uow, zone)
        if taken := await _taken(uow, name, None):
            raise AlreadyExists(_("A router named {name} already exists").format(name=taken))
    result = RouterResult(name, Probe(ProbeStatus.NOT_CHECKED))
    if api_enabled and check:
        result.probe = await _probe(app, name, host, port_number, username, password, use_tls)
    async with app.uow() as uow:
        router = await network.add_router(
            uow, actor, name=name, host=host, port=port_number, username=username,
            password=password, zone=zone, api_enabled=api_enabled, use_tls=use_tls,
        )  # fmt: skip
        owner = hand_off(uow)
        tasks = _push_plans(uow, router, await _all_plans(uow), actor)
        await uow.flush()
        ids = [t.id for t in tasks]
        await uow.commit()
    result.deliveries = await deliver_now(app, ids, owner=owner)
    return result


async def _taken(uow: UnitOfWork, name: str, own_id: int | None) -> str | None:
    """The name of another router called ``name`` (ignoring case and accents), if any."""
    wanted = fold(name)
    return next(
        (r.name for r in await network.list_routers(uow) if fold(r.name) == wanted and r.id != own_id), None
    )


async def edit_router(
    app: App, actor: Actor, router_name: str, changes: RouterChanges, *, check: bool = True
) -> RouterResult:
    """Fix what was typed wrong; a new password or host retries what was waiting for the router."""
    given = changes.given()
    if not given:
        raise InvalidInput(_("Nothing to change"))
    async with app.reader() as uow:
        router = await network.find_router(uow, router_name)
        new = {
            "name": router.name, "host": router.host, "port": router.port, "username": router.username,
            "password": router.password, "api_enabled": router.api_enabled, "zone_id": router.zone_id,
        }  # fmt: skip
        if changes.name is not None:
            new["name"] = validate.required(changes.name, _("Router name"), max_len=80)
            if taken := await _taken(uow, str(new["name"]), router.id):
                raise AlreadyExists(_("A router named {name} already exists").format(name=taken))
        if changes.host is not None:
            new["host"] = validate.required(changes.host, _("Router host"), max_len=255)
        if changes.username is not None:
            new["username"] = validate.required(changes.username, _("Router username"), max_len=80)
        if changes.port is not None:
            new["port"] = parse_port(changes.port)
        if changes.password is not None:
            new["password"] = changes.password
        if changes.api is not None:
            new["api_enabled"] = changes.api
        if changes.zone is not None:
            zone = await network.find_zone(uow, changes.zone)
            if zone.id != router.zone_id and (n := await clients_on(uow, router.id)):
                raise NotAllowed(in_use(router.name, n))
            new["zone_id"] = zone.id
        old = {key: getattr(router, key) for key in new}
    changed = [key for key in new if new[key] != old[key]]
    result = RouterResult(str(new["name"]), Probe(ProbeStatus.NOT_CHECKED), changed=changed)
    if new["api_enabled"] and check:
        result.probe = await _probe(
            app, str(new["name"]), str(new["host"]), int(str(new["port"])), str(new["username"]),
            str(new["password"]), router.use_tls,
        )  # fmt: skip
    result.api_turned_on = bool(new["api_enabled"]) and not old["api_enabled"]
    reach = {"host", "port", "username", "password", "api_enabled"} & set(changed)
    async with app.uow() as uow:
        row = await uow.session.get(Router, router.id)
        assert row is not None
        for key, value in new.items():
            setattr(row, key, value)
        ids: list[int] = []
        pending = (RouterTask.router_id == row.id, RouterTask.status == TaskStatus.PENDING)
        if not row.api_enabled and "api_enabled" in changed:  # API off: nothing will be sent
            dropped = await uow.session.execute(
                update(RouterTask)
                .where(*pending)
                .values(status=TaskStatus.CANCELLED, finished_at=app.clock.now())
            )
            result.dropped = int(dropped.rowcount or 0)  # type: ignore[attr-defined]
        elif row.api_enabled and reach:
            ids = list((await uow.session.execute(select(RouterTask.id).where(*pending))).scalars())
            await uow.session.execute(
                update(RouterTask).where(*pending).values(next_attempt_at=app.clock.now(), error_code=None)
            )
            result.retried = len(ids)
        owner = hand_off(uow) if result.api_turned_on else None
        if result.api_turned_on:
            tasks = _push_plans(uow, row, await _all_plans(uow), actor)
            await uow.flush()
            ids += [t.id for t in tasks]
        record(
            uow.session,
            actor,
            "router.edit",
            target=row.name,
            arguments={k: ("***" if k == "password" else new[k]) for k in changed} | {"was": router.name},
        )
        await uow.commit()
    result.deliveries = await deliver_now(app, ids, owner=owner)
    return result


async def remove_router(uow: UnitOfWork, actor: Actor, router_name: str) -> str:
    """Delete a router nobody's service is on; its queued changes go with it."""
    router = await network.find_router(uow, router_name)
    if n := await clients_on(uow, router.id):
        raise NotAllowed(in_use(router.name, n))
    await uow.session.execute(delete(RouterTask).where(RouterTask.router_id == router.id))
    await uow.session.delete(router)
    record(uow.session, actor, "router.remove", target=router.name, arguments={"host": router.host})
    return router.name
