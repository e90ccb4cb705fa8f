"""A month played through the real calendar (the demo's history) and the daily report read back.

Why: the report's numbers are checked here against what the simulation itself did (its own
tally of payments, the clients it left unpaid, the routers' address-lists), not against the
same queries the report runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from antena.core.bootstrap import App
from antena.core.db.models import Client, ClientStatus
from antena.core.demo import seed_demo
from antena.core.demo_month import simulate_month
from antena.core.reports import daily_report
from antena.core.routeros.emulator import RouterEmulator


@pytest.fixture
async def routers() -> AsyncIterator[list[RouterEmulator]]:
    emulators = [RouterEmulator() for _ in range(3)]
    for emulator in emulators:
        await emulator.start()
    try:
        yield emulators
    finally:
        for emulator in emulators:
            await emulator.stop()


async def test_a_lived_month_and_its_report(app: App, routers: list[RouterEmulator]) -> None:
    # One zone issues on the 28th, the other on the 1st: from Oct 21 every client is invoiced once.
    app.clock.fixed = dt.datetime(2026, 11, 25, 12, 0, tzinfo=app.settings.tz)
    ports = [r.port for r in routers]
    summary = await seed_demo(app, clients=40, router_ports=ports, push=True)  # type: ignore[arg-type]
    assert summary.cashier is not None
    month = await simulate_month(app, summary.cashier)

    assert month.invoices == 40 - len(summary.sold), "every client invoiced once (the sold ones wait)"
    assert 0 < len(month.unpaid_clients) < month.invoices and month.payments > month.invoices // 2
    async with app.uow() as uow:
        suspended = set(
            await uow.session.scalars(select(Client.id).where(Client.status == ClientStatus.SUSPENDED))
        )
    assert suspended == month.unpaid_clients, "who never paid was cut, and only they"
    cut_ips = {c.ip for c in summary.made if c.id in suspended}
    listed = {
        row["address"]
        for r in routers
        for row in r.rows("/ip/firewall/address-list")
        if row["list"] == "morosos"
    }
    assert listed == cut_ips, "the routers agree with the database"

    yesterday = month.end - dt.timedelta(days=1)
    report = await daily_report(app, yesterday)
    assert sum(collected for _d, collected, _s in report.history) == month.collected
    assert report.overdue_count == len(month.unpaid_clients)
    assert sum(s for _d, _c, s in report.history) >= len(suspended), "each of them shows on the chart"
    busiest, collected, _s = max(report.history, key=lambda h: h[1])
    that_day = await daily_report(app, busiest)
    assert that_day.collected == collected > 0
    assert list(that_day.by_cashier) == ["Cajera Demo"]
    assert sum(that_day.by_cashier.values()) == sum(that_day.by_method.values()) == collected
