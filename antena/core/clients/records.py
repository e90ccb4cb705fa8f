"""Client records: validating what staff or a CSV file says about a client and storing it.

Validation works against ``Lookups`` loaded once, so a 10,000-row import asks the database a
handful of questions instead of one per row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from antena.core import validate
from antena.core import words as labels
from antena.core.db.models import (
    Client,
    ClientStatus,
    ClientStatusChange,
    ClientToken,
    Plan,
    Router,
    Service,
    ServiceType,
    Zone,
)
from antena.core.db.uow import UnitOfWork
from antena.core.errors import AlreadyExists, InvalidInput, NotFound
from antena.core.i18n import _
from antena.core.passwords import service_password
from antena.core.phones import normalize_phone
from antena.core.text import fold, words

STATUS_ALIASES = labels.STATUS_WORDS  # one table of the words staff type (antena.core.words)


def parse_status(value: str | None) -> ClientStatus:
    """A client's status as typed (Spanish or English); empty means active."""
    return labels.parse_status(value) or ClientStatus.ACTIVE


@dataclass
class ClientData:
    """A client as typed by staff or read from a CSV row: plain strings, not yet checked."""

    name: str | None = None
    zone: str | None = None
    router: str | None = None
    plan: str | None = None
    ip: str | None = None
    phone: str | None = None
    phone_alt: str | None = None
    email: str | None = None
    address: str | None = None
    notes: str | None = None
    service_user: str | None = None
    service_password: str | None = None
    local_address: str | None = None
    mac: str | None = None
    interface: str | None = None
    status: str | None = None
    id: int | None = None
    installed_on: dt.date | None = None


@dataclass
class CleanClient:
    """A validated client with its one service, ready to store."""

    id: int | None
    name: str
    zone: Zone
    router: Router
    plan: Plan
    ip: str | None
    phone: str | None
    phone_alt: str | None
    email: str | None
    address: str | None
    notes: str | None
    service_user: str | None
    service_password: str | None
    local_address: str | None
    mac: str | None
    interface: str | None
    status: ClientStatus
    installed_on: dt.date | None
    password_generated: bool = False  # the password was empty and Antena made one up


@dataclass
class Lookups:
    """Zones, routers, plans and addresses in use, read once per import or request."""

    zones: dict[str, Zone]
    routers: dict[str, Router]
    plans: dict[str, Plan]
    used_ips: dict[tuple[int, str], int] = field(default_factory=dict)
    used_users: dict[tuple[int, str], int] = field(default_factory=dict)
    existing_ids: set[int] = field(default_factory=set)

    @classmethod
    async def load(cls, uow: UnitOfWork) -> Lookups:
        s = uow.session
        zones = {fold(z.name): z for z in (await s.execute(select(Zone))).scalars()}
        routers = {fold(r.name): r for r in (await s.execute(select(Router))).scalars()}
        plans = {fold(p.name): p for p in (await s.execute(select(Plan))).scalars()}
        rows = await s.execute(
            select(Service.router_id, Service.ip, Service.service_user_lower, Service.client_id).where(
                Service.cancelled.is_(False)
            )
        )
        used_ips: dict[tuple[int, str], int] = {}
        used_users: dict[tuple[int, str], int] = {}
        for router_id, ip, user, client_id in rows:
            if ip:
                used_ips[(router_id, ip)] = client_id
            if user:
                used_users[(router_id, user)] = client_id
        ids = set((await s.execute(select(Client.id))).scalars())
        return cls(zones, routers, plans, used_ips, used_users, ids)


def _opt(value: str | None, max_len: int, what: str) -> str | None:
    text = (value or "").strip()
    if not text:
        return None
    if len(text) > max_len:
        raise InvalidInput(_("{what} is too long (at most {n} characters)").format(what=what, n=max_len))
    return text


def clean(data: ClientData, lookups: Lookups, *, region: str = "MX") -> CleanClient:
    """Check one client against the rules; the first problem found is raised as ``InvalidInput``."""
    name = validate.required(data.name, _("name"))
    zone_name = validate.required(data.zone, _("zone"))
    router_name = validate.required(data.router, _("router"))
    plan_name = validate.required(data.plan, _("plan"))
    zone = lookups.zones.get(fold(zone_name))
    if zone is None:
        raise NotFound(_("Unknown zone: {name}").format(name=zone_name))
    router = lookups.routers.get(fold(router_name))
    if router is None:
        raise NotFound(_("Unknown router: {name}").format(name=router_name))
    plan = lookups.plans.get(fold(plan_name))
    if plan is None:
        raise NotFound(_("Unknown plan: {name}").format(name=plan_name))
    if router.zone_id != zone.id:
        raise InvalidInput(
            _("Router {router} is not in zone {zone}").format(router=router.name, zone=zone.name)
        )
    ip = validate.ip_address(data.ip) if data.ip and data.ip.strip() else None
    if ip is None and not (plan.service_type is ServiceType.PPPOE and plan.pool):
        raise InvalidInput(_("ip is required (only PPPoE plans with a pool may leave it empty)"))
    user = _opt(data.service_user, 80, _("service user"))
    if user is None and plan.service_type in (ServiceType.PPPOE, ServiceType.HOTSPOT):
        user = _default_user(name, data.id)
    password = _opt(data.service_password, 120, _("service password"))
    generated = password is None and plan.service_type in (ServiceType.PPPOE, ServiceType.HOTSPOT)
    if generated:  # never an empty password on the router
        password = service_password()
    given_local = data.local_address
    local = validate.ip_address(given_local) if given_local and given_local.strip() else None
    mac = validate.mac_address(data.mac) if data.mac and data.mac.strip() else None
    email = _opt(data.email, 160, "email")
    if email is not None and ("@" not in email or " " in email):
        raise InvalidInput(_("Invalid e-mail address: {email}").format(email=email))
    return CleanClient(
        id=data.id,
        name=name,
        zone=zone,
        router=router,
        plan=plan,
        ip=ip,
        phone=normalize_phone(data.phone, region),
        phone_alt=normalize_phone(data.phone_alt, region),
        email=email,
        address=_opt(data.address, 255, _("address")),
        notes=(data.notes or "").strip() or None,
        service_user=user,
        service_password=password,
        local_address=local,
        mac=mac,
        interface=_opt(data.interface, 80, "interface"),
        status=parse_status(data.status),
        installed_on=data.installed_on,
        password_generated=generated,
    )


def _default_user(name: str, client_id: int | None) -> str:
    """PPPoE/Hotspot need a user name; the manual suggests the client's name."""
    base = "".join(ch for ch in fold(name).replace(" ", ".") if ch.isalnum() or ch in "._-")
    base = base[:60] or "cliente"
    return f"{base}.{client_id}" if client_id else base


def check_unique(c: CleanClient, lookups: Lookups, *, own_id: int | None = None) -> None:
    """The same IP or service user twice on one router is refused (cancelled services don't count)."""
    if c.status is ClientStatus.CANCELLED:
        return
    if c.ip is not None:
        holder = lookups.used_ips.get((c.router.id, c.ip))
        if holder is not None and holder != own_id:
            raise AlreadyExists(
                _("IP {ip} is already used on router {router} (client {client})").format(
                    ip=c.ip, router=c.router.name, client=holder
                )
            )
    if c.service_user is not None:
        holder = lookups.used_users.get((c.router.id, c.service_user.lower()))
        if holder is not None and holder != own_id:
            raise AlreadyExists(
                _("Service user {user} is already used on router {router} (client {client})").format(
                    user=c.service_user, router=c.router.name, client=holder
                )
            )


def reserve(c: CleanClient, lookups: Lookups, client_id: int) -> None:
    """Mark the client's IP and user as taken for the rest of a batch."""
    if c.status is ClientStatus.CANCELLED:
        return
    if c.ip is not None:
        lookups.used_ips[(c.router.id, c.ip)] = client_id
    if c.service_user is not None:
        lookups.used_users[(c.router.id, c.service_user.lower())] = client_id


def new_client(c: CleanClient, now: dt.datetime, actor_name: str) -> Client:
    client = Client(
        name=c.name,
        search_name=fold(c.name),
        phone=c.phone,
        phone_alt=c.phone_alt,
        email=c.email,
        address=c.address,
        notes=c.notes,
        zone_id=c.zone.id,
        status=c.status,
        status_changed_at=now,
        installed_on=c.installed_on,
        created_at=now,
    )
    if c.id is not None:
        client.id = c.id
    client.services.append(_service_from(c, now))
    client.status_history.append(ClientStatusChange(status=c.status, changed_at=now, actor=actor_name))
    return client


def _service_from(c: CleanClient, now: dt.datetime) -> Service:
    return Service(
        router_id=c.router.id,
        plan_id=c.plan.id,
        ip=c.ip,
        service_user=c.service_user,
        service_user_lower=c.service_user.lower() if c.service_user else None,
        service_password=c.service_password,
        local_address=c.local_address,
        mac=c.mac,
        interface=c.interface,
        cancelled=c.status is ClientStatus.CANCELLED,
        created_at=now,
    )


def apply_update(
    session: AsyncSession, client: Client, c: CleanClient, now: dt.datetime, actor_name: str
) -> None:
    """Overwrite a client and its first service with ``c`` (CSV re-import of an existing id)."""
    client.name = c.name
    client.search_name = fold(c.name)
    client.phone, client.phone_alt = c.phone, c.phone_alt
    client.email, client.address = c.email, c.address
    client.notes = c.notes if c.notes is not None else client.notes
    client.zone_id = c.zone.id
    if client.status is not c.status:
        client.status = c.status
        client.status_changed_at = now
        session.add(
            ClientStatusChange(client_id=client.id, status=c.status, changed_at=now, actor=actor_name)
        )
    service = client.services[0] if client.services else None
    if service is None:
        client.services.append(_service_from(c, now))
        return
    service.router_id, service.plan_id, service.ip = c.router.id, c.plan.id, c.ip
    service.service_user = c.service_user
    service.service_user_lower = c.service_user.lower() if c.service_user else None
    if c.service_password is not None:
        service.service_password = c.service_password
    service.local_address, service.mac = c.local_address, c.mac
    service.interface = c.interface if c.interface is not None else service.interface
    service.cancelled = c.status is ClientStatus.CANCELLED


def token_rows(client_id: int, name: str) -> list[dict[str, object]]:
    return [{"client_id": client_id, "token": w[:80]} for w in words(name)]


async def reindex_name(uow: UnitOfWork, client_id: int, name: str) -> None:
    """Keep the search index in step with a new or renamed client."""
    await uow.session.execute(delete(ClientToken).where(ClientToken.client_id == client_id))
    rows = token_rows(client_id, name)
    if rows:
        await uow.session.execute(insert(ClientToken), rows)


async def get_client(uow: UnitOfWork, client_id: int) -> Client:
    client = await uow.session.get(Client, client_id)
    if client is None:
        raise NotFound(_("No client with id {id}").format(id=client_id))
    return client
