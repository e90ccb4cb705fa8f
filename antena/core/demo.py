"""Seed a small demo ISP: the same core services staff use, so the demo shows real behaviour."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from antena.core import network, network_admin, staff
from antena.core.audit import Actor
from antena.core.bootstrap import App
from antena.core.clients.edits import add_client
from antena.core.clients.records import ClientData
from antena.core.demo_data import people
from antena.core.demo_fieldwork import FieldworkSummary, seed_fieldwork
from antena.core.i18n import _

ZONES = [("Centro", 28, 30, 1, 5), ("Norte", 1, 3, 5, 10)]
PLANS = [
    ("Hogar PPPoE 10M", "pppoe", "350", "10M", "5M", "plan-10m"),
    ("Hotspot 5M", "hotspot", "200", "5M", "2M", "hs-5m"),
    ("Cola 20M", "simple-queue", "450", "20M", "10M", None),
    ("PCQ 15M", "pcq", "400", "15M", "5M", "pcq-15m"),
]
ROUTERS = [("RB-Centro", "Centro"), ("RB-Centro-2", "Centro"), ("RB-Norte", "Norte")]
STAFF = [
    (1001, "Admin Demo", "admin"),
    (1002, "Gerente Demo", "manager"),
    (1003, "Cajera Demo", "cashier"),
    (1004, "Técnico Demo", "technician"),
]
# Each router serves its own kind of plan, as real ISPs run them; PPPoE is the most common.
SLOTS = [
    ("Centro", "RB-Centro", "Hogar PPPoE 10M", "10.10.{}.{}"),
    ("Centro", "RB-Centro-2", "Cola 20M", "192.168.{}.{}"),
    ("Norte", "RB-Norte", "PCQ 15M", "172.16.{}.{}"),
    ("Centro", "RB-Centro", "Hogar PPPoE 10M", "10.10.{}.{}"),
    ("Centro", "RB-Centro", "Hotspot 5M", "10.20.{}.{}"),
]
RECENT_INSTALLS = 4  # the last few clients were installed weeks ago: their first invoice is prorated
SOLD = 2  # and the very last ones are sold, not installed yet: today's visits for the technician


@dataclass
class DemoClient:
    id: int
    name: str
    ip: str
    router: str
    plan: str


@dataclass
class DemoSummary:
    zones: list[str] = field(default_factory=list)
    routers: list[str] = field(default_factory=list)
    plans: list[str] = field(default_factory=list)
    staff: list[str] = field(default_factory=list)
    clients: int = 0
    sample_clients: list[str] = field(default_factory=list)
    made: list[DemoClient] = field(default_factory=list)
    cashier: Actor | None = None
    sold: list[int] = field(default_factory=list)
    fieldwork: FieldworkSummary | None = None


async def seed_demo(
    app: App,
    *,
    clients: int = 20,
    router_ports: list[int] | None = None,
    push: bool = False,
    admin_telegram_id: int | None = None,
) -> DemoSummary:
    """Two zones, three routers, one plan per service type, staff of every role, ``clients`` clients.

    ``admin_telegram_id`` adds the person trying the demo with a real bot as an admin, so the bot
    answers them instead of refusing a stranger."""
    actor = Actor.system()
    summary = DemoSummary()
    ports = router_ports or [8728, 8729, 8730]
    for name, issue, notice, pay, cutoff in ZONES:
        async with app.uow() as uow:
            await network.add_zone(
                uow, actor, name=name, issue_day=issue, notice_day=notice, pay_day=pay, cutoff_day=cutoff
            )
        summary.zones.append(
            _("{name} (issue day {issue}, notice {notice}, pay {pay}, cut-off {cutoff})").format(
                name=name, issue=issue, notice=notice, pay=pay, cutoff=cutoff
            )
        )
    for (name, zone), port in zip(ROUTERS, ports, strict=True):
        async with app.uow() as uow:
            await network.add_router(
                uow, actor, name=name, host="127.0.0.1", port=port, username="admin", password="", zone=zone
            )
        summary.routers.append(f"{name} → 127.0.0.1:{port} ({zone})")
    for name, kind, price, down, up, profile in PLANS:
        async with app.uow() as uow:
            plan = await network.add_plan(
                uow,
                actor,
                name=name,
                service_type=kind,
                price=price,
                download=down,
                upload=up,
                profile=profile,
            )
            # its profile or PCQ queues on every router: sent with the first client pushed there
            await network_admin.publish_plan(uow, actor, plan.id)
            await uow.commit()
        summary.plans.append(f"{name} ({kind}, ${price})")
    team = list(STAFF)
    if admin_telegram_id is not None and admin_telegram_id not in {t[0] for t in team}:
        team.append((admin_telegram_id, _("Administrator"), "admin"))
    for tg_id, name, role in team:
        async with app.uow() as uow:
            member = await staff.add_staff(uow, actor, telegram_id=tg_id, name=name, role=role)
        summary.staff.append(f"{name} ({role}, Telegram id {tg_id})")
        if role == "cashier" and summary.cashier is None:
            summary.cashier = Actor.telegram_staff(member)
    await _add_clients(app, actor, summary, clients, push=push)
    summary.fieldwork = await seed_fieldwork(app, [c.id for c in summary.made], summary.sold)
    return summary


async def _add_clients(app: App, actor: Actor, summary: DemoSummary, count: int, *, push: bool) -> None:
    rng = random.Random(11)
    today = app.clock.today()
    per_slot: dict[str, int] = {}
    for i, person in enumerate(people(count)):
        zone, router, plan, ip_fmt = SLOTS[i % len(SLOTS)]
        n = per_slot[ip_fmt] = per_slot.get(ip_fmt, -1) + 1
        ip = ip_fmt.format(1 + n // 250, 2 + n % 250)
        user = f"cliente{i + 1}" if "PPPoE" in plan or "Hotspot" in plan else None
        sold = i >= count - SOLD and count >= 10
        recent = i >= count - RECENT_INSTALLS - SOLD and count > RECENT_INSTALLS * 5
        days_ago = rng.randint(20, 30) if recent else rng.randint(60, 1100)
        data = ClientData(
            name=person.name,
            zone=zone,
            router=router,
            plan=plan,
            ip=ip,
            phone=person.phone,
            email=person.email,
            address=person.address,
            service_user=user,
            service_password=f"demo{i + 1:04d}" if user else None,
            installed_on=None if sold else today - dt.timedelta(days=days_ago),
        )
        client, _report = await app.perform(add_client, actor, data, push=push and not sold)
        if sold:
            summary.sold.append(client.id)
        summary.clients += 1
        summary.made.append(DemoClient(client.id, client.name, ip, router, plan))
        if len(summary.sample_clients) < 5:
            summary.sample_clients.append(
                _("#{id} {name} — {ip} on {router}").format(
                    id=client.id, name=client.name, ip=ip, router=router
                )
            )
