"""Several workers on one PostgreSQL never apply a router task twice (``FOR UPDATE SKIP LOCKED``
on the router row plus a lease): three real ``antena run --only worker`` processes, three routers."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from antena.core import network
from antena.core.bootstrap import App
from antena.core.clients import edits, lifecycle
from antena.core.clients.csv_import import import_clients
from antena.core.db.router_tasks import RouterTask, TaskStatus
from antena.core.routeros.emulator import RouterEmulator
from tests.conftest import USE_PG

pytestmark = pytest.mark.skipif(not USE_PG, reason="scale-out is a PostgreSQL feature (ANTENA_DATABASE_URL)")
ANTENA = str(Path(sys.executable).with_name("antena"))
PER_ROUTER = 80
ADD = "/ip/firewall/address-list/add"


async def _count(app: App, status: TaskStatus) -> int:
    async with app.uow() as uow:
        stmt = select(func.count()).select_from(RouterTask).where(RouterTask.status == status)
        return int((await uow.session.execute(stmt)).scalar_one())


async def test_three_workers_apply_each_task_exactly_once(app: App, isp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    emulators = [
        isp.emulator,
        RouterEmulator(username="api", password="s3cret"),
        RouterEmulator(username="api", password="s3cret"),
    ]
    for emu in emulators[1:]:
        await emu.start()
    try:
        routers = ["RB-Centro"]
        for n, emu in enumerate(emulators[1:], start=2):
            async with app.uow() as uow:
                await network.add_router(
                    uow,
                    isp.actor,
                    name=f"RB-{n}",
                    host="127.0.0.1",
                    port=emu.port,
                    username="api",
                    password="s3cret",
                    zone="Centro",
                )
            routers.append(f"RB-{n}")
        rows = "\n".join(
            f"Vecino {r}-{i},Centro,{router},PCQ 15M,10.{r}.{i // 200}.{i % 200 + 1}"
            for r, router in enumerate(routers, start=1)
            for i in range(PER_ROUTER)
        )
        async with app.uow() as uow:
            result = await import_clients(uow, isp.actor, "name,zone,router,plan,ip\n" + rows)
            await uow.commit()
        ids = list(result.client_ids)
        await app.perform(edits.push_clients, isp.actor, ids)
        await app.perform(lifecycle.suspend, isp.actor, ids, deliver=False)
        for emu in emulators:
            emu.reset_counts()
            emu.latency = 0.005
        env = {
            **os.environ,
            "ANTENA_DATABASE_URL": app.settings.database_url,
            "ANTENA_AUTO_TASKS": "off",
            "ANTENA_DATA_DIR": str(tmp_path / "d"),
            "ANTENA_ROUTER_BULK_CONNECTIONS": "2",
        }
        env.pop("ANTENA_TELEGRAM_TOKEN", None)
        workers = [
            await asyncio.create_subprocess_exec(
                ANTENA,
                "run",
                "--only",
                "worker",
                env=env,
                cwd=tmp_path,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )
            for _ in range(3)
        ]
        try:
            for _ in range(600):
                if await _count(app, TaskStatus.PENDING) == 0:
                    break
                await asyncio.sleep(0.1)
        finally:
            for w in workers:
                w.send_signal(signal.SIGINT)
            await asyncio.gather(*(asyncio.wait_for(w.wait(), timeout=20) for w in workers))
        assert await _count(app, TaskStatus.FAILED) == 0
        assert await _count(app, TaskStatus.PENDING) == 0
        for emu in emulators:
            listed = [r["address"] for r in emu.rows("/ip/firewall/address-list") if r["list"] == "morosos"]
            assert len(listed) == len(set(listed)) == PER_ROUTER
            assert emu.command_counts[ADD] == PER_ROUTER, "every suspension was sent exactly once"
    finally:
        for emu in emulators[1:]:
            await emu.stop()
