"""The client lifecycle end to end: database, router outbox and librouteros against the emulator."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from antena.core import network
from antena.core.bootstrap import App
from antena.core.clients import edits, lifecycle
from antena.core.clients.records import ClientData
from antena.core.db.models import Client, ClientStatus, Service
from antena.core.db.router_tasks import RouterTask, TaskStatus
from antena.core.errors import InvalidInput, NotAllowed
from antena.core.routeros import outbox
from antena.core.routeros.ops import Outcome

ML = "/ip/firewall/address-list"


async def add(app: App, isp, name: str, kind: str, ip: str | None, **kw) -> Client:  # type: ignore[no-untyped-def]
    data = ClientData(name=name, zone="Centro", router="RB-Centro", plan=isp.plans[kind].name, ip=ip, **kw)
    client, report = await app.perform(edits.add_client, isp.actor, data)
    assert not report.queued and not report.refused, report
    return client


async def lease_every_task(app: App, owner: str, until: dt.datetime) -> None:
    """As if ``owner`` had claimed every router task, its lease running until ``until``."""
    async with app.uow() as uow:
        await uow.session.execute(update(RouterTask).values(lease_owner=owner, lease_until=until))
        await uow.commit()


def suspended_ips(emu) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(r["address"] for r in emu.rows(ML) if r.get("list") == "morosos")


async def test_pppoe_client_is_created_suspended_and_activated(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    emu = isp.emulator
    juan = await add(app, isp, "Juan Pérez", "pppoe", "10.0.0.5", service_user="juan", service_password="pw1")
    (secret,) = emu.rows("/ppp/secret")
    assert secret["name"] == "juan" and secret["remote-address"] == "10.0.0.5"
    assert secret["profile"] == "plan-10m" and secret["comment"] == f"antena:{juan.id}"
    emu.add_row("/ppp/active", name="juan", address="10.0.0.5", service="pppoe")

    report = await app.perform(lifecycle.suspend, isp.actor, [juan.id])

    assert suspended_ips(emu) == ["10.0.0.5"]
    assert emu.rows("/ppp/active") == [], "the PPPoE session is dropped so the suspension bites now"
    (action,) = report.actions
    assert action.deliveries[0].outcome is Outcome.APPLIED
    from antena.core.clients.outcome import describe

    assert describe(action).startswith("applied on RB-Centro")
    assert "10.0.0.5" in describe(action)

    await app.perform(lifecycle.activate, isp.actor, [juan.id])
    assert suspended_ips(emu) == []
    async with app.uow() as uow:
        assert (await uow.session.get(Client, juan.id)).status is ClientStatus.ACTIVE  # type: ignore[union-attr]


async def test_hotspot_suspension_disables_the_user_and_drops_the_session(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    emu = isp.emulator
    ana = await add(app, isp, "Ana Peña", "hotspot", "10.0.1.7", service_user="ana", service_password="x")
    emu.add_row("/ip/hotspot/active", user="ana", address="10.0.1.7")
    await app.perform(lifecycle.suspend, isp.actor, [ana.id])
    (user,) = emu.rows("/ip/hotspot/user")
    assert user["disabled"] in ("true", "yes")
    assert emu.rows("/ip/hotspot/active") == []
    assert suspended_ips(emu) == ["10.0.1.7"]
    await app.perform(lifecycle.activate, isp.actor, [ana.id])
    (user,) = emu.rows("/ip/hotspot/user")
    assert user["disabled"] in ("false", "no")
    assert suspended_ips(emu) == []


async def test_queue_and_pcq_services_reach_their_tables(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    emu = isp.emulator
    luis = await add(app, isp, "Luis Núñez", "simple-queue", "10.0.2.9")
    eva = await add(app, isp, "Eva Ruiz", "pcq", "10.0.3.4")
    (queue,) = emu.rows("/queue/simple")
    assert queue["target"].startswith("10.0.2.9") and queue["comment"] == f"antena:{luis.id}"
    assert "Luis Núñez" in queue["name"]
    pcq = [r for r in emu.rows(ML) if r["list"] == "pcq-15m"]
    assert [(r["address"], r["comment"]) for r in pcq] == [("10.0.3.4", f"antena:{eva.id}")]


async def test_router_down_queues_the_change_and_the_worker_applies_it_once(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    emu = isp.emulator
    c = await add(app, isp, "Rosa Díaz", "pcq", "10.0.3.10")
    emu.unreachable = True
    report = await app.perform(lifecycle.suspend, isp.actor, [c.id])
    assert report.queued
    from antena.core.clients.outcome import describe

    assert "unreachable" in describe(report.actions[0]) and "/tareas" in describe(report.actions[0])
    async with app.uow() as uow:
        assert (await uow.session.get(Client, c.id)).status is ClientStatus.SUSPENDED  # type: ignore[union-attr]
    (task,) = await outbox.open_tasks(app)
    assert task.status is TaskStatus.PENDING and task.attempts == 1 and task.last_error

    emu.unreachable = False
    await _wait_until_due(app)
    done = await outbox.run_due(app)
    assert [d.outcome for d in done] == [Outcome.APPLIED]
    assert suspended_ips(emu) == ["10.0.3.10"]
    assert await outbox.open_tasks(app) == []
    await outbox.run_due(app)
    assert suspended_ips(emu) == ["10.0.3.10"], "applied exactly once"


async def _wait_until_due(app: App) -> None:
    async with app.uow() as uow:
        await uow.session.execute(update(RouterTask).values(next_attempt_at=app.clock.now()))
        await uow.commit()


async def test_bulk_suspension_survives_the_router_dropping_mid_batch(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    emu = isp.emulator
    ids = [(await add(app, isp, f"Cliente {i}", "pcq", f"10.0.4.{i}")).id for i in range(1, 41)]
    emu.unreachable = True
    report = await app.perform(lifecycle.suspend, isp.actor, ids)
    assert report.queued and len(report.actions) == 40
    assert suspended_ips(emu) == []
    emu.unreachable = False
    for _ in range(5):
        await _wait_until_due(app)
        await outbox.run_due(app)
        if not await outbox.open_tasks(app):
            break
    assert await outbox.open_tasks(app) == []
    assert suspended_ips(emu) == sorted(f"10.0.4.{i}" for i in range(1, 41))


async def test_a_worker_that_died_mid_batch_is_taken_over_without_duplicates(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    emu = isp.emulator
    ids = [(await add(app, isp, f"Vecino {i}", "pcq", f"10.0.5.{i}")).id for i in range(1, 21)]
    await app.perform(lifecycle.suspend, isp.actor, ids, deliver=False)
    async with app.uow() as uow:
        tasks = list((await uow.session.execute(select(RouterTask).order_by(RouterTask.id))).scalars())
    # The dead worker had claimed everything and applied the first half before it was killed.
    from antena.core.routeros.ops import RouterOp

    first_half = [RouterOp.from_json(t.payload) for t in tasks[:10]]
    await app.gateway.apply(outbox.access_for(isp.router, 2.0), first_half)
    past = app.clock.now() - dt.timedelta(seconds=1)
    await lease_every_task(app, "dead-worker:1", past)

    await outbox.run_due(app)

    assert await outbox.open_tasks(app) == []
    assert suspended_ips(emu) == sorted(f"10.0.5.{i}" for i in range(1, 21)), "no duplicate entries"


async def test_a_live_lease_keeps_other_workers_off_that_router(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    c = await add(app, isp, "Marta", "pcq", "10.0.5.99")
    await app.perform(lifecycle.suspend, isp.actor, [c.id], deliver=False)
    future = app.clock.now() + dt.timedelta(minutes=1)
    await lease_every_task(app, "other:1", future)
    assert await outbox.run_due(app) == []
    assert suspended_ips(isp.emulator) == []


async def test_an_entry_already_on_the_router_counts_as_applied(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    emu = isp.emulator
    c = await add(app, isp, "Pedro", "pcq", "10.0.6.1")
    emu.add_row(ML, list="morosos", address="10.0.6.1", comment=f"antena:{c.id}")
    report = await app.perform(lifecycle.suspend, isp.actor, [c.id])
    assert report.actions[0].deliveries[0].outcome is Outcome.APPLIED
    assert suspended_ips(emu) == ["10.0.6.1"]


async def test_router_with_api_disabled_keeps_changes_in_the_database(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    async with app.uow() as uow:
        await network.add_router(
            uow,
            isp.actor,
            name="RB-Sin-API",
            host="192.0.2.1",
            port=8728,
            username="x",
            password="",
            zone="Centro",
            api_enabled=False,
        )
    data = ClientData(name="Sin API", zone="Centro", router="RB-Sin-API", plan="PCQ 15M", ip="10.9.0.1")
    client, report = await app.perform(edits.add_client, isp.actor, data)
    report = await app.perform(lifecycle.suspend, isp.actor, [client.id])
    from antena.core.clients.outcome import describe

    assert "not sent to the router (API disabled" in describe(report.actions[0])
    assert await outbox.open_tasks(app) == []
    async with app.uow() as uow:
        assert (await uow.session.get(Client, client.id)).status is ClientStatus.SUSPENDED  # type: ignore[union-attr]


async def test_cancel_keeping_the_ip_suspends_it(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    c = await add(app, isp, "Keep", "pcq", "10.0.7.1")
    await app.perform(lifecycle.cancel, isp.actor, c.id, ip_mode="keep")
    assert suspended_ips(isp.emulator) == ["10.0.7.1"]
    async with app.uow() as uow:
        client = await uow.session.get(Client, c.id)
        assert client.status is ClientStatus.CANCELLED  # type: ignore[union-attr]
        assert client.services[0].ip == "10.0.7.1"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("ip", "released"),
    [
        ("10.0.7.2", "127.0.7.2"),
        ("192.168.3.4", "169.254.3.4"),
        ("172.16.8.9", "168.0.8.9"),
        ("45.12.3.4", "168.0.3.4"),
    ],
)
async def test_cancel_releasing_the_ip_maps_it_and_removes_the_service(
    app: App, isp, ip: str, released: str
) -> None:  # type: ignore[no-untyped-def]
    c = await add(app, isp, "Release", "simple-queue", ip)
    assert len(isp.emulator.rows("/queue/simple")) == 1
    await app.perform(lifecycle.cancel, isp.actor, c.id, ip_mode="release")
    assert isp.emulator.rows("/queue/simple") == []
    async with app.uow() as uow:
        service = (await uow.session.get(Client, c.id)).services[0]  # type: ignore[union-attr]
        assert (service.ip, service.cancelled) == (released, True)
    # The released address no longer blocks the old one: a new client may take it.
    await add(app, isp, "Nuevo", "simple-queue", ip)


async def test_released_ip_already_taken_falls_back_to_100_64(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    first = await add(app, isp, "Uno", "pcq", "10.1.2.3")
    await app.perform(lifecycle.cancel, isp.actor, first.id, ip_mode="release")
    second = await add(app, isp, "Dos", "pcq", "10.5.2.3")
    await app.perform(lifecycle.cancel, isp.actor, second.id, ip_mode="release")
    async with app.uow() as uow:
        assert (await uow.session.get(Client, second.id)).services[0].ip == "100.64.2.3"  # type: ignore[union-attr]


async def test_delete_needs_the_typed_confirmation(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    c = await add(app, isp, "Borrar", "pcq", "10.0.8.1")
    with pytest.raises(InvalidInput, match="eliminar_clientes"):
        await app.perform(lifecycle.delete, isp.actor, c.id, from_router=True, confirmation="si")
    async with app.uow() as uow:
        assert await uow.session.get(Client, c.id) is not None
    assert len([r for r in isp.emulator.rows(ML) if r["list"] == "pcq-15m"]) == 1


async def test_delete_from_database_only_leaves_the_router_alone(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    c = await add(app, isp, "Solo BD", "pcq", "10.0.8.2")
    await app.perform(lifecycle.delete, isp.actor, c.id, from_router=False, confirmation="eliminar_clientes")
    async with app.uow() as uow:
        assert await uow.session.get(Client, c.id) is None
    assert len([r for r in isp.emulator.rows(ML) if r["list"] == "pcq-15m"]) == 1


async def test_delete_from_database_and_router(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    c = await add(app, isp, "Todo", "pppoe", "10.0.8.3", service_user="todo")
    await app.perform(lifecycle.suspend, isp.actor, [c.id])
    await app.perform(lifecycle.delete, isp.actor, c.id, from_router=True, confirmation="eliminar_clientes")
    assert isp.emulator.rows("/ppp/secret") == []
    assert suspended_ips(isp.emulator) == []


async def test_edit_renames_changes_plan_and_moves_a_suspended_ip(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    emu = isp.emulator
    c = await add(app, isp, "Carlos", "simple-queue", "10.0.9.1")
    await app.perform(edits.edit_client, isp.actor, c.id, edits.ClientChanges(name="Carlos Peña"))
    (queue,) = emu.rows("/queue/simple")
    assert "Carlos Peña" in queue["name"]
    await app.perform(lifecycle.suspend, isp.actor, [c.id])
    await app.perform(edits.edit_client, isp.actor, c.id, edits.ClientChanges(ip="10.0.9.2"))
    (queue,) = emu.rows("/queue/simple")
    assert queue["target"].startswith("10.0.9.2")
    assert suspended_ips(emu) == ["10.0.9.2"]


async def test_edit_pppoe_password_and_plan(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    emu = isp.emulator
    c = await add(app, isp, "Paco", "pppoe", "10.0.9.5", service_user="paco", service_password="old")
    async with app.uow() as uow:
        await network.add_plan(
            uow,
            isp.actor,
            name="PPPoE 50M",
            service_type="pppoe",
            price="600",
            download="50M",
            upload="10M",
            profile="plan-50m",
        )
    await app.perform(
        edits.edit_client, isp.actor, c.id, edits.ClientChanges(plan="PPPoE 50M", service_password="new")
    )
    (secret,) = emu.rows("/ppp/secret")
    assert (secret["profile"], secret["password"]) == ("plan-50m", "new")


async def test_edit_refuses_an_ip_used_by_another_client(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    await add(app, isp, "A", "pcq", "10.0.10.1")
    b = await add(app, isp, "B", "pcq", "10.0.10.2")
    with pytest.raises(Exception, match="already used"):
        await app.perform(edits.edit_client, isp.actor, b.id, edits.ClientChanges(ip="10.0.10.1"))
    async with app.uow() as uow:
        assert (await uow.session.get(Client, b.id)).services[0].ip == "10.0.10.2"  # type: ignore[union-attr]


async def test_migrate_creates_on_the_new_router_and_removes_from_the_old(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    from antena.core.routeros.emulator import RouterEmulator

    async with RouterEmulator(username="api", password="s3cret") as norte:
        async with app.uow() as uow:
            await network.add_zone(
                uow, isp.actor, name="Norte", issue_day=1, notice_day=3, pay_day=5, cutoff_day=10
            )
        async with app.uow() as uow:
            await network.add_router(
                uow,
                isp.actor,
                name="RB-Norte",
                host="127.0.0.1",
                port=norte.port,
                username="api",
                password="s3cret",
                zone="Norte",
            )
        other = await add(app, isp, "Ya en norte", "pcq", "10.0.11.1")  # make RB-Norte a PCQ router
        await app.perform(edits.migrate, isp.actor, other.id, zone="Norte", router="RB-Norte")
        c = await add(app, isp, "Mudanza", "simple-queue", "10.0.11.2")
        with pytest.raises(InvalidInput, match="compatible plan"):
            await app.perform(edits.migrate, isp.actor, c.id, zone="Norte", router="RB-Norte")
        await app.perform(
            edits.migrate, isp.actor, c.id, zone="Norte", router="RB-Norte", plan="PCQ 15M", ip="10.20.0.2"
        )
        assert [r["address"] for r in norte.rows(ML) if r["list"] == "pcq-15m"] == ["10.0.11.1", "10.20.0.2"]
        assert isp.emulator.rows("/queue/simple") == []
        async with app.uow() as uow:
            client = await uow.session.get(Client, c.id)
            assert client.zone.name == "Norte"  # type: ignore[union-attr]


async def test_free_client_is_activated_and_marked_free(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    c = await add(app, isp, "Gratis", "pcq", "10.0.12.1")
    await app.perform(lifecycle.suspend, isp.actor, [c.id])
    await app.perform(lifecycle.set_free, isp.actor, c.id)
    assert suspended_ips(isp.emulator) == []
    async with app.uow() as uow:
        assert (await uow.session.get(Client, c.id)).status is ClientStatus.FREE  # type: ignore[union-attr]


async def test_cancelled_client_cannot_be_suspended(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    c = await add(app, isp, "Baja", "pcq", "10.0.13.1")
    await app.perform(lifecycle.cancel, isp.actor, c.id)
    with pytest.raises(NotAllowed, match="cancelled"):
        await app.perform(lifecycle.suspend, isp.actor, [c.id])


async def test_a_name_taken_on_the_router_by_someone_else_is_refused_and_visible(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    isp.emulator.add_row("/ppp/secret", name="maria", password="x", comment="hand-made")
    data = ClientData(
        name="María",
        zone="Centro",
        router="RB-Centro",
        plan="PPPoE 10M",
        ip="10.0.14.1",
        service_user="maria",
    )
    _client, report = await app.perform(edits.add_client, isp.actor, data)
    assert report.refused
    (task,) = await outbox.open_tasks(app)
    assert task.status is TaskStatus.FAILED and "same name" in (task.last_error or "")
    async with app.uow() as uow:
        assert (await uow.session.execute(select(Service))).scalars().first() is not None


async def test_a_worker_polling_between_the_commit_and_the_delivery_leaves_the_tasks_to_it(
    app: App, isp
) -> None:  # type: ignore[no-untyped-def]
    """The suspension's tasks are committed leased to its own delivery: a worker pass that runs
    right after the commit (``antena run`` polls all the while) takes nothing, and staff hear
    "applied", not "queued" for a change a worker is applying behind their back."""
    ids = [(await add(app, isp, f"Vecina {i}", "pcq", f"10.0.9.{i}")).id for i in range(1, 4)]
    taken: list[int] = []

    async def worker_pass() -> None:
        taken.extend(d.task_id for d in await outbox.run_due(app))

    async with app.uow() as uow:
        uow.after_commit(worker_pass)  # runs before the delivery the suspension registers
        report = await lifecycle.suspend(uow, isp.actor, ids)
        await uow.commit()

    assert taken == []
    assert [d.outcome for a in report.actions for d in a.deliveries] == [Outcome.APPLIED] * 3
    assert suspended_ips(isp.emulator) == ["10.0.9.1", "10.0.9.2", "10.0.9.3"]


async def test_what_a_delivery_could_not_get_to_goes_back_to_the_worker_at_once(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    """Another worker holds the router (older tasks): the delivery reports the client queued and
    lets go of its hand-off lease, so the worker applies it as soon as the router is free, not
    when the lease runs out."""
    earlier = await add(app, isp, "Pablo", "pcq", "10.0.9.19")
    rosa = await add(app, isp, "Rosa", "pcq", "10.0.9.20")
    await app.perform(lifecycle.suspend, isp.actor, [earlier.id], deliver=False)
    future = app.clock.now() + dt.timedelta(minutes=1)
    await lease_every_task(app, "elsewhere:1", future)

    report = await app.perform(lifecycle.suspend, isp.actor, [rosa.id])

    assert report.queued and report.actions[0].deliveries[0].outcome is not Outcome.APPLIED
    async with app.reader() as uow:
        leases = (
            (
                await uow.session.execute(
                    select(RouterTask.lease_owner).where(
                        RouterTask.client_id == rosa.id, RouterTask.status == TaskStatus.PENDING
                    )
                )
            )
            .scalars()
            .all()
        )
    assert leases == [None]
    async with app.uow() as uow:  # the other worker is done with the router
        await uow.session.execute(
            update(RouterTask).values(lease_owner=None, lease_until=None, next_attempt_at=app.clock.now())
        )
        await uow.commit()
    assert [d.outcome for d in await outbox.run_due(app)] == [Outcome.APPLIED, Outcome.APPLIED]
    assert suspended_ips(isp.emulator) == ["10.0.9.19", "10.0.9.20"]


async def test_tasks_handed_off_by_a_process_that_died_before_delivering_are_taken_over(
    app: App, isp
) -> None:  # type: ignore[no-untyped-def]
    """Killed between the commit and the delivery: the hand-off lease names a dead process of
    this machine, and the next worker takes the tasks at once (not minutes later)."""
    import socket
    import subprocess
    import sys

    c = await add(app, isp, "Tomás", "pcq", "10.0.9.30")
    await app.perform(lifecycle.suspend, isp.actor, [c.id], deliver=False)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    future = app.clock.now() + dt.timedelta(minutes=2)
    await lease_every_task(app, f"{socket.gethostname()}:{gone.pid}/0badc0de", future)

    assert [d.outcome for d in await outbox.run_due(app)] == [Outcome.APPLIED]
    assert suspended_ips(isp.emulator) == ["10.0.9.30"]
