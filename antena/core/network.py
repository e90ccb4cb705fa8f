"""Zones, routers and plans: the ISP's network as the operator declares it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from antena.core import validate
from antena.core.audit import Actor, record
from antena.core.db.models import Plan, Router, ServiceType, Zone
from antena.core.db.uow import UnitOfWork
from antena.core.errors import AlreadyExists, InvalidInput, NotFound
from antena.core.i18n import _
from antena.core.text import fold


async def _by_name(uow: UnitOfWork, model: Any, name: str) -> Any:
    """Exact name first, then the same name ignoring case and accents."""
    session = uow.session
    exact = (await session.execute(select(model).where(model.name == name))).scalar_one_or_none()
    if exact is not None:
        return exact
    wanted = fold(name)
    for row in (await session.execute(select(model))).scalars():
        if fold(row.name) == wanted:
            return row
    return None


async def find_zone(uow: UnitOfWork, name: str) -> Zone:
    zone = await _by_name(uow, Zone, name.strip())
    if not isinstance(zone, Zone):
        raise NotFound(_("Unknown zone: {name}").format(name=name))
    return zone


async def find_router(uow: UnitOfWork, name: str) -> Router:
    router = await _by_name(uow, Router, name.strip())
    if not isinstance(router, Router):
        raise NotFound(_("Unknown router: {name}").format(name=name))
    return router


async def find_plan(uow: UnitOfWork, name: str) -> Plan:
    plan = await _by_name(uow, Plan, name.strip())
    if not isinstance(plan, Plan):
        raise NotFound(_("Unknown plan: {name}").format(name=name))
    return plan


async def add_zone(
    uow: UnitOfWork,
    actor: Actor,
    *,
    name: str,
    issue_day: object,
    notice_day: object,
    pay_day: object,
    cutoff_day: object,
) -> Zone:
    name = validate.required(name, _("Zone name"), max_len=80)
    zone = Zone(
        name=name,
        issue_day=validate.day_of_month(issue_day, _("Issue day")),
        notice_day=validate.day_of_month(notice_day, _("Notice day")),
        pay_day=validate.day_of_month(pay_day, _("Pay day")),
        cutoff_day=validate.day_of_month(cutoff_day, _("Cut-off day")),
    )
    if (existing := await _by_name(uow, Zone, name)) is not None:
        raise AlreadyExists(_("A zone named {name} already exists").format(name=existing.name))
    uow.session.add(zone)
    await uow.flush()
    record(uow.session, actor, "zone.add", target=name, arguments={"zone_id": zone.id})
    await uow.commit()
    return zone


async def add_router(
    uow: UnitOfWork,
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
) -> Router:
    name = validate.required(name, _("Router name"), max_len=80)
    host = validate.required(host, _("Router host"), max_len=255)
    username = validate.required(username, _("Router username"), max_len=80)
    try:
        port_number = int(str(port).strip())
    except (TypeError, ValueError) as exc:
        raise InvalidInput(_("Port must be a number from 1 to 65535, not {port}").format(port=port)) from exc
    if not 1 <= port_number <= 65535:
        raise InvalidInput(_("Port must be a number from 1 to 65535, not {port}").format(port=port))
    zone_row = await find_zone(uow, zone)
    if (existing := await _by_name(uow, Router, name)) is not None:
        raise AlreadyExists(_("A router named {name} already exists").format(name=existing.name))
    router = Router(
        name=name,
        host=host,
        port=port_number,
        username=username,
        password=password or "",
        api_enabled=api_enabled,
        use_tls=use_tls,
        zone=zone_row,
    )
    uow.session.add(router)
    await uow.flush()
    record(
        uow.session,
        actor,
        "router.add",
        target=name,
        arguments={"host": host, "port": port_number, "zone": zone_row.name, "api": api_enabled},
    )
    await uow.commit()
    return router


def parse_service_type(value: str) -> ServiceType:
    text = fold(value or "").replace("_", "-").replace(" ", "-")
    aliases = {
        "simple-queues": "simple-queue",
        "simplequeue": "simple-queue",
        "queue": "simple-queue",
    }
    text = aliases.get(text, text)
    try:
        return ServiceType(text)
    except ValueError as exc:
        raise InvalidInput(
            _("Unknown plan type {value}: use pppoe, hotspot, simple-queue or pcq").format(value=value)
        ) from exc


async def add_plan(
    uow: UnitOfWork,
    actor: Actor,
    *,
    name: str,
    service_type: str,
    price: object,
    download: str,
    upload: str,
    profile: str | None = None,
    pool: str | None = None,
) -> Plan:
    name = validate.required(name, _("Plan name"), max_len=80)
    plan = Plan(
        name=name,
        service_type=parse_service_type(service_type),
        price=validate.money(price, what=_("Price")),
        download=validate.rate(download, _("Download rate")),
        upload=validate.rate(upload, _("Upload rate")),
        profile=(profile or "").strip() or None,
        pool=(pool or "").strip() or None,
    )
    if (existing := await _by_name(uow, Plan, name)) is not None:
        raise AlreadyExists(_("A plan named {name} already exists").format(name=existing.name))
    uow.session.add(plan)
    await uow.flush()
    record(
        uow.session,
        actor,
        "plan.add",
        target=name,
        arguments={"type": plan.service_type.value, "price": str(plan.price)},
    )
    await uow.commit()
    return plan


async def list_zones(uow: UnitOfWork) -> Sequence[Zone]:
    return (await uow.session.execute(select(Zone).order_by(Zone.name))).scalars().all()


async def list_routers(uow: UnitOfWork) -> Sequence[Router]:
    return (await uow.session.execute(select(Router).order_by(Router.name))).scalars().all()


async def list_plans(uow: UnitOfWork) -> Sequence[Plan]:
    return (await uow.session.execute(select(Plan).order_by(Plan.name))).scalars().all()
