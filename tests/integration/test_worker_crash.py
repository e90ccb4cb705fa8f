"""A worker killed in the middle of a bulk suspension: a restarted one takes over its lease at once
and the router converges with every client listed exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from sqlalchemy import func, select

from antena.core.bootstrap import App
from antena.core.clients import edits, lifecycle
from antena.core.clients.csv_import import import_clients
from antena.core.db.router_tasks import RouterTask, TaskStatus

ANTENA = str(Path(sys.executable).with_name("antena"))
N = 120


def listed(emu) -> list[str]:  # type: ignore[no-untyped-def]
    return [r["address"] for r in emu.rows("/ip/firewall/address-list") if r["list"] == "morosos"]


async def _start_worker(app: App, tmp_path: Path) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "ANTENA_DATABASE_URL": app.settings.database_url,
        "ANTENA_DATA_DIR": str(tmp_path / "data"),
        "ANTENA_ROUTER_BULK_CONNECTIONS": "1",
        "ANTENA_LOCALE": "en",
    }
    env.pop("ANTENA_TELEGRAM_TOKEN", None)
    return await asyncio.create_subprocess_exec(
        ANTENA, "run", "--only", "worker", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )


async def _count(app: App, status: TaskStatus) -> int:
    async with app.uow() as uow:
        stmt = (
            select(func.count())
            .select_from(RouterTask)
            .where(RouterTask.status == status, RouterTask.kind == "suspend")
        )
        return int((await uow.session.execute(stmt)).scalar_one())


async def test_killed_worker_is_replaced_and_the_router_converges(app: App, isp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    emu = isp.emulator
    rows = "\n".join(f"Vecino {i},Centro,RB-Centro,PCQ 15M,10.7.{i // 200}.{i % 200 + 1}" for i in range(N))
    async with app.uow() as uow:
        result = await import_clients(uow, isp.actor, "name,zone,router,plan,ip\n" + rows)
    ids = list(result.client_ids)
    await edits.push_clients(app, isp.actor, ids)
    await lifecycle.suspend(app, isp.actor, ids, deliver=False)
    emu.latency = 0.03  # one session: about 4 s for the whole batch

    first = await _start_worker(app, tmp_path)
    for _ in range(300):
        if len(listed(emu)) >= 15:
            break
        await asyncio.sleep(0.02)
    first.send_signal(signal.SIGKILL)
    await first.wait()
    applied_before = len(listed(emu))
    assert 0 < applied_before < N, "killed in the middle of the batch"
    assert await _count(app, TaskStatus.DONE) == 0, "its results were never recorded"

    second = await _start_worker(app, tmp_path)
    try:
        for _ in range(400):
            if await _count(app, TaskStatus.PENDING) == 0:
                break
            await asyncio.sleep(0.1)
    finally:
        second.send_signal(signal.SIGINT)
        await asyncio.wait_for(second.wait(), timeout=20)
    assert await _count(app, TaskStatus.DONE) == N
    assert await _count(app, TaskStatus.FAILED) == 0
    addresses = listed(emu)
    assert len(addresses) == N and len(set(addresses)) == N
