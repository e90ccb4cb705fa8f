"""Seed a small demo ISP: the same core services staff use, so the demo shows real behaviour."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from antena.core import network, staff
from antena.core.audit import Actor
from antena.core.bootstrap import App
from antena.core.clients.edits import add_client
from antena.core.clients.records import ClientData
from antena.core.demo_data import people
from antena.core.i18n import _

ZONES = [("Centro", 28, 30, 1, 5), ("Norte", 1, 3, 5, 10)]
PLANS = [
    ("Hogar PPPoE 10M", "pppoe", "350", "10M", "5M", "plan-10m"),
    ("Hotspot 5M", "hotspot", "200", "5M", "2M", "hs-5m"),
    ("Cola 20M", "simple-queue", "450", "20M", "10M", None),
    ("PCQ 15M", "pcq", "400", "15M", "5M", "pcq-15m"),
]


@dataclass
class DemoSummary:
    zones: list[str] = field(default_factory=list)
    routers: list[str] = field(default_factory=list)
    plans: list[str] = field(default_factory=list)
    staff: list[str] = field(default_factory=list)
    clients: int = 0
    sample_clients: list[str] = field(default_factory=list)


async def seed_demo(
    app: App, *, clients: int = 20, router_ports: list[int] | None = None, push: bool = False
) -> DemoSummary:
    """Two zones, three routers, one plan per service type, staff of every role, ``clients`` clients."""
    actor = Actor.system()
    summary = DemoSummary()
    ports = router_ports or [8728, 8729, 8730]
    routers = [
        ("RB-Centro", "Centro", ports[0]),
        ("RB-Centro-2", "Centro", ports[1]),
        ("RB-Norte", "Norte", ports[2]),
    ]
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
    for name, zone, port in routers:
        async with app.uow() as uow:
            await network.add_router(
                uow, actor, name=name, host="127.0.0.1", port=port, username="admin", password="", zone=zone
            )
        summary.routers.append(f"{name} → 127.0.0.1:{port} ({zone})")
    for name, kind, price, down, up, profile in PLANS:
        async with app.uow() as uow:
            await network.add_plan(
                uow,
                actor,
                name=name,
                service_type=kind,
                price=price,
                download=down,
                upload=up,
                profile=profile,
            )
        summary.plans.append(f"{name} ({kind}, ${price})")
    for tg_id, name, role in [
        (1001, "Admin Demo", "admin"),
        (1002, "Gerente Demo", "manager"),
        (1003, "Cajera Demo", "cashier"),
        (1004, "Técnico Demo", "technician"),
    ]:
        async with app.uow() as uow:
            await staff.add_staff(uow, actor, telegram_id=tg_id, name=name, role=role)
        summary.staff.append(f"{name} ({role}, Telegram id {tg_id})")
    # Each router serves one kind of plan, as real ISPs run them.
    assignment = itertools.cycle(
        [
            ("Centro", "RB-Centro", "Hogar PPPoE 10M", "10.10.{}.{}"),
            ("Centro", "RB-Centro-2", "Cola 20M", "192.168.{}.{}"),
            ("Norte", "RB-Norte", "PCQ 15M", "172.16.{}.{}"),
        ]
    )
    for i, person in enumerate(people(clients)):
        zone, router, plan, ip_fmt = next(assignment)
        ip = ip_fmt.format(1 + i // 250, 2 + i % 250)
        user = f"cliente{i + 1}" if "PPPoE" in plan else None
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
        )
        client, _report = await add_client(app, actor, data, push=push)
        summary.clients += 1
        if len(summary.sample_clients) < 5:
            summary.sample_clients.append(
                _("#{id} {name} — {ip} on {router}").format(
                    id=client.id, name=client.name, ip=ip, router=router
                )
            )
    return summary
