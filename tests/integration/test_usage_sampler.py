"""The usage sampler against the RouterOS emulator over TCP: one queue print per router, deltas
per interval, and never a negative or doubled figure across a counter reset, a session that
reconnects, a router that is down for an interval, or a reboot."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from antena.core.audit import Actor
from antena.core.bootstrap import App
from antena.core.clients import lifecycle
from antena.core.clients.edits import add_client
from antena.core.clients.records import ClientData
from antena.core.db.usage_models import UsageDaily, UsageRouter
from antena.core.routeros.emulator_live import reboot
from antena.core.usage import history, sampler

QUEUE = "/queue/simple"
T0 = dt.datetime(2026, 5, 20, 15, 0, tzinfo=dt.UTC)  # 10:00 in Mexico City
STEP = dt.timedelta(minutes=15)


async def _client(app: App, name: str, plan: str, **extra: Any) -> int:
    client, report = await app.perform(add_client, Actor.cli(), ClientData(name=name, zone="Centro", router="RB-Centro", plan=plan, **extra)
    )
    assert not report.queued and not report.refused, report
    return client.id


def _queue(emu: Any, **match: str) -> dict[str, str]:
    (row,) = emu.find(QUEUE, **match)
    return row


def _set(emu: Any, row: dict[str, str], up: int, down: int) -> None:
    emu.update_row(QUEUE, row[".id"], bytes=f"{up}/{down}")


async def _daily(app: App, client_id: int) -> list[tuple[dt.date, int, int]]:
    async with app.reader() as uow:
        rows = await uow.session.execute(
            select(UsageDaily.day, UsageDaily.bytes_down, UsageDaily.bytes_up)
            .where(UsageDaily.client_id == client_id)
            .order_by(UsageDaily.day)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


class Steps:
    """The app's clock and the router's uptime move forward together, one interval at a time."""

    def __init__(self, app: App, emu: Any) -> None:
        self.app, self.emu, self.now, self.uptime = app, emu, T0, 3600.0
        app.clock.fixed = T0
        emu.set_uptime(self.uptime)

    async def sample(self) -> list[sampler.RouterSample]:
        self.emu.reset_counts()
        return await sampler.sample_due(self.app)

    def advance(self, delta: dt.timedelta = STEP) -> None:
        self.now += delta
        self.uptime += delta.total_seconds()
        self.app.clock.fixed = self.now
        self.emu.set_uptime(self.uptime)


@pytest.fixture
async def steps(app: App, isp: Any) -> Steps:
    return Steps(app, isp.emulator)


async def test_deltas_across_a_reset_a_down_router_and_a_reboot(app: App, isp: Any, steps: Steps) -> None:
    emu = isp.emulator
    ana = await _client(app, "Ana López", "Cola 20M", ip="10.0.0.9")
    queue = _queue(emu, comment=f"antena:{ana}")
    _set(emu, queue, 100, 1_000)

    first = await steps.sample()  # the first reading is only the base: it may hold months
    assert [(r.router, r.clients, r.bytes_down, r.error) for r in first] == [("RB-Centro", 1, 0, None)]
    assert emu.command_counts["/queue/simple/print"] == 1
    assert await _daily(app, ana) == []

    steps.advance()
    _set(emu, queue, 200, 3_000)
    await steps.sample()
    assert await _daily(app, ana) == [(dt.date(2026, 5, 20), 2_000, 100)]

    steps.advance()
    _set(emu, queue, 50, 500)  # someone reset the counters: what they hold now is new traffic
    await steps.sample()
    assert await _daily(app, ana) == [(dt.date(2026, 5, 20), 2_500, 150)]

    steps.advance()
    emu.unreachable = True
    emu.drop_connections()
    _set(emu, queue, 150, 1_500)
    (down,) = await steps.sample()
    assert down.error and "RB-Centro" in down.error
    assert await _daily(app, ana) == [(dt.date(2026, 5, 20), 2_500, 150)]
    emu.unreachable = False
    steps.advance()
    _set(emu, queue, 160, 1_600)
    await steps.sample()  # the missed interval is counted once, in this one
    assert await _daily(app, ana) == [(dt.date(2026, 5, 20), 3_600, 260)]

    steps.advance()
    reboot(emu)  # counters back to zero and uptime too ...
    steps.uptime = 60.0
    emu.set_uptime(steps.uptime)
    _set(emu, queue, 9_000, 90_000)  # ... then more than before: still all new traffic
    (after,) = await steps.sample()
    assert after.rebooted
    assert await _daily(app, ana) == [(dt.date(2026, 5, 20), 93_600, 9_260)]

    steps.advance()
    _set(emu, queue, 9_500, 91_000)
    (calm,) = await steps.sample()
    assert not calm.rebooted
    assert await _daily(app, ana) == [(dt.date(2026, 5, 20), 94_600, 9_760)]


async def test_a_pppoe_session_that_reconnects_starts_a_new_counter(app: App, isp: Any, steps: Steps) -> None:
    emu = isp.emulator
    juan = await _client(app, "Juan Pérez", "PPPoE 10M", ip="10.0.0.5", service_user="juan")
    pcq = await _client(app, "Pedro Cruz", "PCQ 15M", ip="10.0.0.7")
    emu.add_row(QUEUE, name="<pppoe-juan>", target="10.0.0.5", dynamic="true", bytes="10/100")
    (first,) = await steps.sample()
    assert first.clients == 1 and first.missing == [pcq]  # PCQ: no queue of its own on the router

    steps.advance()
    _set(emu, _queue(emu, name="<pppoe-juan>"), 40, 700)
    await steps.sample()
    emu.remove_row(QUEUE, _queue(emu, name="<pppoe-juan>")[".id"])  # the session dropped ...
    emu.add_row(
        QUEUE, name="<pppoe-juan>", target="10.0.0.5", dynamic="true", bytes="5/80"
    )  # ... and redialled
    steps.advance()
    await steps.sample()
    assert await _daily(app, juan) == [(dt.date(2026, 5, 20), 600 + 80, 30 + 5)]


async def test_a_router_is_sampled_once_per_interval_and_days_follow_the_local_date(
    app: App, isp: Any, steps: Steps
) -> None:
    emu = isp.emulator
    ana = await _client(app, "Ana López", "Cola 20M", ip="10.0.0.9")
    queue = _queue(emu, comment=f"antena:{ana}")
    _set(emu, queue, 0, 0)
    await steps.sample()
    steps.advance(dt.timedelta(minutes=5))
    assert await steps.sample() == []  # not due yet: nothing read
    assert emu.command_count == 0
    assert await sampler.claim_due(app) == []

    # 23:55 local on the 20th, then 00:10 on the 21st: each interval lands on its own local day
    steps.advance(dt.timedelta(hours=14, minutes=50) - dt.timedelta(minutes=5))
    _set(emu, queue, 10, 100)
    await steps.sample()
    steps.advance()
    _set(emu, queue, 30, 400)
    await steps.sample()
    assert await _daily(app, ana) == [(dt.date(2026, 5, 20), 100, 10), (dt.date(2026, 5, 21), 300, 20)]
    async with app.reader() as uow:
        state = await uow.session.get(UsageRouter, isp.router.id)
        assert state is not None and state.claimed_by is None and state.sampled_at == steps.now


async def test_cancelled_clients_stop_and_history_is_kept_thirteen_months(
    app: App, isp: Any, steps: Steps
) -> None:
    emu = isp.emulator
    ana = await _client(app, "Ana López", "Cola 20M", ip="10.0.0.9")
    async with app.uow() as uow:
        for months_ago in (0, 5, 12, 13, 20):
            day = history._month_start(T0.date(), months_ago) + dt.timedelta(days=3)
            uow.session.add(
                UsageDaily(client_id=ana, day=day, bytes_down=1_000 * (months_ago + 1), bytes_up=1)
            )
        await uow.commit()
    assert await sampler.prune(app) == 2  # 13 and 20 months ago
    async with app.reader() as uow:
        chart = await history.client_chart(uow, ana, T0.date())
    assert len(chart.months) == 13 and chart.months[0].start == dt.date(2025, 5, 1)
    assert [b.down for b in chart.months if b.down] == [13_000, 6_000, 1_000]
    assert len(chart.days) == 30 and chart.days[-1].start == T0.date()

    await app.perform(lifecycle.cancel, Actor.cli(), ana, ip_mode=None)
    _set(emu, _queue(emu, comment=f"antena:{ana}"), 5, 5)
    (result,) = await steps.sample()
    assert result.clients == 0
