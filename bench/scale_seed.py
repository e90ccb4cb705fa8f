"""An ISP of many routers for the scale benchmarks: one zone cutting on the 5th, ``routers`` routers
(the emulators' ports), one PCQ plan and ``per_router`` clients on each, every one owing June's
Internet invoice (due on the 1st), so the cut-off of 5 June 2026 suspends them all (``day``
moves those dates: the invoice's cut-off falls on ``day``, its due date 4 days before).

Rows go in with Core bulk inserts (the seeding is not what is measured); zones, routers and the
plan through the product's services.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from antena.core import network
from antena.core.audit import Actor
from antena.core.db.billing_models import Invoice, InvoiceKind, InvoiceStatus
from antena.core.db.engine import Database
from antena.core.db.models import Client, ClientStatus, Service
from antena.core.db.uow import UnitOfWork
from bench.emulator_host import PLAN_LIST, client_ip

CUTOFF_DAY = dt.date(2026, 6, 5)
BATCH = 5_000


async def seed_network(db: Database, ports: list[int], *, host: str = "127.0.0.1") -> None:
    actor = Actor.system()
    async with UnitOfWork(db) as uow:
        await network.add_zone(
            uow, actor, name="Centro", issue_day=28, notice_day=30, pay_day=1, cutoff_day=5
        )
    async with UnitOfWork(db) as uow:
        await network.add_plan(
            uow, actor, name="PCQ 10M", service_type="pcq", price="350", download="10M", upload="5M",
            profile=PLAN_LIST,
        )  # fmt: skip
    for n, port in enumerate(ports, start=1):
        async with UnitOfWork(db) as uow:
            await network.add_router(
                uow, actor, name=f"RB-{n}", host=host, port=port, username="api", password="bench",
                zone="Centro",
            )  # fmt: skip


def _batches(routers: int, per_router: int, day: dt.date) -> Any:
    now = dt.datetime.now(dt.UTC)
    issued, due = day - dt.timedelta(days=8), day - dt.timedelta(days=4)
    clients: list[dict[str, Any]] = []
    services: list[dict[str, Any]] = []
    invoices: list[dict[str, Any]] = []
    for router in range(1, routers + 1):
        for i in range(per_router):
            cid = (router - 1) * per_router + i + 1
            name = f"Cliente {cid}"
            clients.append(
                {"id": cid, "name": name, "search_name": name.lower(), "zone_id": 1,
                 "status": ClientStatus.ACTIVE, "status_changed_at": now, "created_at": now}
            )  # fmt: skip
            services.append(
                {"client_id": cid, "router_id": router, "plan_id": 1, "ip": client_ip(router, i),
                 "created_at": now}
            )  # fmt: skip
            invoices.append(
                {"number": cid, "client_id": cid, "kind": InvoiceKind.INTERNET,
                 "status": InvoiceStatus.PENDING, "issue_date": issued,
                 "issue_month": f"{issued:%Y-%m}", "due_date": due, "cutoff_date": day,
                 "total": Decimal("350.00"), "paid_amount": Decimal("0.00"), "created_at": now,
                 "actor": "bench"}
            )  # fmt: skip
            if len(clients) >= BATCH:
                yield clients, services, invoices
                clients, services, invoices = [], [], []
    if clients:
        yield clients, services, invoices


async def seed_clients(db: Database, routers: int, per_router: int, day: dt.date = CUTOFF_DAY) -> None:
    async with db.engine.begin() as conn:
        for clients, services, invoices in _batches(routers, per_router, day):
            await conn.execute(Client.__table__.insert(), clients)
            await conn.execute(Service.__table__.insert(), services)
            await conn.execute(Invoice.__table__.insert(), invoices)
        if db.dialect == "postgresql":  # ids were given: move the sequences past them
            for table in ("clients", "services", "invoices"):
                await conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
