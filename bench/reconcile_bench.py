"""The reconciler's sweep over 30,000 clients on SQLite: ``.venv/bin/python -m bench.reconcile_bench``.

30,000 clients in 3 zones, each with this month's Internet invoice: most paid, some overdue and
already cut by the cut-off, some cut by hand, some overdue but still active, and 300 "paid but
still cut" — what a crash between two commits used to leave. The measured pass is the database
half of ``reconcile.run_pass`` (one transaction: the three questions, then 300 reactivations with
their history, audit, router tasks and messages); the routers' drift check is left out (API off).

Baseline: the same three questions asked with the ``sqlite3`` module alone (no ORM, no writes).
Goal: the sweep ≤ 2 s.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import sqlite3
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from antena.core import network, reconcile
from antena.core.audit import Actor
from antena.core.bootstrap import bootstrap
from antena.core.config import Settings
from antena.core.db.billing_models import Invoice, InvoiceKind, InvoiceStatus
from antena.core.db.migrate import upgrade
from antena.core.db.models import Client, ClientStatus, ClientStatusChange, Service

CLIENTS = 30_000
ZONES = 3
PAID_BUT_CUT = 300
GOAL_SECONDS = 2.0
TODAY = dt.date(2026, 6, 20)
BATCH = 5_000


async def _network(app: object) -> None:
    actor = Actor.cli()
    for z in range(1, ZONES + 1):
        async with app.uow() as uow:  # type: ignore[attr-defined]
            await network.add_zone(uow, actor, name=f"Zona {z}", issue_day=28, notice_day=30, pay_day=1,
                                   cutoff_day=5)  # fmt: skip
        async with app.uow() as uow:  # type: ignore[attr-defined]
            await network.add_router(
                uow, actor, name=f"RB-{z}", host="10.0.0.1", port=8728, username="api", password="x",
                zone=f"Zona {z}", api_enabled=False,
            )  # fmt: skip
    async with app.uow() as uow:  # type: ignore[attr-defined]
        await network.add_plan(uow, actor, name="Hogar 10M", service_type="pcq", price="350",
                               download="10M", upload="5M", profile="pcq-10m")  # fmt: skip


def _kind(rng: random.Random, cid: int) -> str:
    if cid <= PAID_BUT_CUT:
        return "paid_but_cut"
    roll = rng.random()
    if roll < 0.06:
        return "cut_owing"
    if roll < 0.07:
        return "cut_by_hand"
    if roll < 0.09:
        return "active_owing"
    return "paid"


async def seed(app: object, n: int) -> dict[str, int]:
    rng = random.Random(7)
    now = dt.datetime(2026, 6, 5, 9, tzinfo=dt.UTC)
    created = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    counts: dict[str, int] = {}
    async with app.db.engine.begin() as conn:  # type: ignore[attr-defined]
        for start in range(1, n + 1, BATCH):
            clients, services, changes, invoices = [], [], [], []
            for cid in range(start, min(start + BATCH, n + 1)):
                kind = _kind(rng, cid)
                counts[kind] = counts.get(kind, 0) + 1
                zone = cid % ZONES + 1
                cut = kind in ("paid_but_cut", "cut_owing", "cut_by_hand")
                status = ClientStatus.SUSPENDED if cut else ClientStatus.ACTIVE
                clients.append({
                    "id": cid, "name": f"Cliente {cid}", "search_name": f"cliente {cid}", "zone_id": zone,
                    "status": status, "status_changed_at": now if cut else created, "created_at": created,
                    "balance": Decimal("0.00"),
                })  # fmt: skip
                services.append({
                    "client_id": cid, "router_id": zone, "plan_id": 1,
                    "ip": f"10.{zone}.{cid // 250 % 250}.{cid % 250 + 1}", "created_at": created,
                })  # fmt: skip
                changes.append({"client_id": cid, "status": ClientStatus.ACTIVE, "changed_at": created,
                                "actor": "import", "reason": None})  # fmt: skip
                if cut:
                    changes.append({
                        "client_id": cid, "status": ClientStatus.SUSPENDED, "changed_at": now,
                        "actor": "system",
                        "reason": None if kind == "cut_by_hand" else reconcile.CUTOFF_REASON,
                    })  # fmt: skip
                owing = kind in ("cut_owing", "active_owing")
                invoices.append({
                    "number": cid, "client_id": cid, "kind": InvoiceKind.INTERNET,
                    "status": InvoiceStatus.PENDING if owing else InvoiceStatus.PAID,
                    "issue_date": dt.date(2026, 5, 28), "issue_month": "2026-05",
                    "due_date": dt.date(2026, 6, 1), "cutoff_date": dt.date(2026, 6, 5),
                    "total": Decimal("350.00"),
                    "paid_amount": Decimal("0.00") if owing else Decimal("350.00"), "created_at": created,
                    "actor": "system",
                })  # fmt: skip
            await conn.execute(Client.__table__.insert(), clients)
            await conn.execute(Service.__table__.insert(), services)
            await conn.execute(ClientStatusChange.__table__.insert(), changes)
            await conn.execute(Invoice.__table__.insert(), invoices)
        await conn.exec_driver_sql("ANALYZE")
    return counts


def raw_questions(path: Path) -> tuple[float, int, int]:
    """The sweep's three questions with the sqlite3 module alone: paid-but-cut, overdue-active."""
    conn = sqlite3.connect(path)
    try:
        start = time.perf_counter()
        cut = conn.execute(
            "SELECT c.id FROM clients c JOIN (SELECT client_id, max(id) AS last FROM client_status_changes "
            "GROUP BY client_id) l ON l.client_id = c.id JOIN client_status_changes s ON s.id = l.last "
            "WHERE c.status = 'suspended' AND s.status = 'suspended' AND s.reason = 'cutoff'"
        ).fetchall()
        owing = {
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT client_id FROM invoices WHERE kind = 'internet' AND status = 'pending' "
                "AND due_date < ? AND paid_amount < total",
                (TODAY.isoformat(),),
            )
        }
        wake = [cid for (cid,) in cut if cid not in owing]
        listed = conn.execute(
            "SELECT id, name FROM clients WHERE status = 'active' AND id IN (SELECT client_id FROM invoices "
            "WHERE kind = 'internet' AND status = 'pending' AND paid_amount < total AND cutoff_date < ?) "
            "AND id NOT IN (SELECT client_id FROM payment_promises WHERE status = 'active' "
            "AND promised_until >= ?)",
            (TODAY.isoformat(), TODAY.isoformat()),
        ).fetchall()
        return time.perf_counter() - start, len(wake), len(listed)
    finally:
        conn.close()


async def run(n: int) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "reconcile.db"
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=f"sqlite+aiosqlite:///{path}", data_dir=Path(tmp), secret_key="bench", locale="es",
        )  # fmt: skip
        app = bootstrap(settings)
        app.clock.fixed = dt.datetime.combine(TODAY, dt.time(10), tzinfo=settings.tz)
        try:
            await upgrade(app.db)
            await _network(app)
            t0 = time.perf_counter()
            counts = await seed(app, n)
            print(f"seeded {n:,} clients in {time.perf_counter() - t0:.1f} s: "
                  + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())))  # fmt: skip
            raw_s, raw_wake, raw_listed = raw_questions(path)
            start = time.perf_counter()
            result = await app.perform(reconcile.sweep)
            sweep_s = time.perf_counter() - start
        finally:
            await app.aclose()
    assert len(result.reactivated) == counts["paid_but_cut"] == raw_wake, (len(result.reactivated), raw_wake)
    assert len(result.overdue_active) == counts["active_owing"] == raw_listed
    print(f"(a) reconcile.sweep: {n:,} clients, {len(result.reactivated):,} reactivated, "
          f"{len(result.overdue_active):,} listed in {sweep_s:.2f} s")  # fmt: skip
    print(f"(b) the same questions with sqlite3 alone (no writes): {raw_s:.2f} s")
    print(f"ratio sweep / raw questions: {sweep_s / raw_s:.1f}")
    ok = sweep_s <= GOAL_SECONDS
    share = sweep_s / GOAL_SECONDS
    print(f"goal sweep ≤ {GOAL_SECONDS:g} s: {'met' if ok else 'NOT met'} ({share:.2f} of it)")
    return ok


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--clients", type=int, default=CLIENTS)
    args = parser.parse_args(argv)
    sys.exit(0 if asyncio.run(run(args.clients)) else 1)


if __name__ == "__main__":
    main()
