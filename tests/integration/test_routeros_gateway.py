"""LibrouterosGateway: unreachable routers, dropped connections, timeouts and the bulk path."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from antena.core.config import Settings
from antena.core.notes import note
from antena.core.routeros.emulator import RouterEmulator
from antena.core.routeros.gateway import LibrouterosGateway
from antena.core.routeros.ops import OpKind, OpResult, Outcome, RouterAccess, RouterOp, ServiceSpec
from tests.helpers import free_port


def pcq(i: int) -> ServiceSpec:
    return ServiceSpec(i, "pcq", f"cliente {i}", ip=f"10.{i // 250}.{i % 250}.1", profile="plan-10M")


def suspend_all(specs: list[ServiceSpec], kind: OpKind = OpKind.SUSPEND) -> list[RouterOp]:
    return [RouterOp(kind, spec) for spec in specs]


def listed(emu: RouterEmulator) -> set[str]:
    return {row["comment"] for row in emu.find("/ip/firewall/address-list", list="morosos")}


# -- unreachable ---------------------------------------------------------------------------


@pytest.mark.parametrize("bulk", [False, True])
async def test_connection_refused(bulk: bool) -> None:
    access = RouterAccess(9, "off", "127.0.0.1", free_port(), "admin", "", timeout=2)
    ops = suspend_all([pcq(i) for i in range(20 if bulk else 3)])
    results = await LibrouterosGateway(bulk_connections=4).apply(access, ops)
    assert results[0] == OpResult(Outcome.UNREACHABLE, [note("connection_refused")])
    assert {r.outcome for r in results[1:]} == {Outcome.SKIPPED}
    assert all("connection refused" in r.text("en") for r in results[1:])


async def test_timeout_is_unreachable(emu: RouterEmulator, access: RouterAccess) -> None:
    emu.latency = 0.3
    results = await LibrouterosGateway().apply(replace(access, timeout=0.1), suspend_all([pcq(1), pcq(2)]))
    assert [r.outcome for r in results] == [Outcome.UNREACHABLE, Outcome.SKIPPED]
    assert results[0].text("en") == "timeout after 0.1 s"
    assert listed(emu) == set()


async def drop_after(emu: RouterEmulator, commands: int) -> None:
    """Make the router unreachable once it has answered ``commands`` commands."""
    while emu.command_count < commands:
        await asyncio.sleep(0.001)
    emu.unreachable = True


async def test_router_lost_mid_batch(emu: RouterEmulator, access: RouterAccess) -> None:
    emu.latency = 0.01
    specs = [pcq(i) for i in range(6)]
    watcher = asyncio.create_task(drop_after(emu, 5))  # 2 ops × (print + add), then one print
    results = await LibrouterosGateway().apply(access, suspend_all(specs))
    await watcher
    assert [r.outcome for r in results] == [Outcome.APPLIED] * 2 + [Outcome.UNREACHABLE] + [
        Outcome.SKIPPED
    ] * 3
    assert results[2].text("en") == "connection lost"
    assert listed(emu) == {"antena:0", "antena:1"}  # exactly what was reported applied


async def test_router_lost_mid_bulk_batch_reports_nothing_unapplied(
    emu: RouterEmulator, access: RouterAccess
) -> None:
    emu.latency = 0.005
    specs = [pcq(i) for i in range(120)]
    watcher = asyncio.create_task(drop_after(emu, 40))
    results = await LibrouterosGateway(bulk_connections=4).apply(access, suspend_all(specs))
    await watcher
    on_router = listed(emu)
    outcomes = [r.outcome for r in results]
    assert Outcome.APPLIED in outcomes and Outcome.SKIPPED in outcomes and Outcome.UNREACHABLE in outcomes
    for spec, result in zip(specs, results, strict=True):
        if result.outcome is Outcome.APPLIED:
            assert spec.comment in on_router
        else:
            assert result.outcome in (Outcome.SKIPPED, Outcome.UNREACHABLE)
    # and the retry finishes the job without duplicates
    emu.unreachable = False
    retry = [
        op for op, r in zip(suspend_all(specs), results, strict=True) if r.outcome is not Outcome.APPLIED
    ]
    assert {r.outcome for r in await LibrouterosGateway(bulk_connections=4).apply(access, retry)} == {
        Outcome.APPLIED
    }
    assert len(emu.find("/ip/firewall/address-list", list="morosos")) == 120


# -- bulk ----------------------------------------------------------------------------------


async def test_bulk_suspend_300_within_command_budget(emu: RouterEmulator, access: RouterAccess) -> None:
    specs = [pcq(i) for i in range(300)]
    emu.add_row("/ip/firewall/address-list", list="morosos", address=specs[7].ip)  # listed by hand
    emu.reset_counts()
    gateway = LibrouterosGateway(Settings(router_bulk_connections=6))
    assert gateway.bulk_connections == 6
    results = await gateway.apply(access, suspend_all(specs))
    assert {r.outcome for r in results} == {Outcome.APPLIED}
    assert results[7].text("en") == "already applied" and results[8].text("en") == f"{specs[8].ip} → morosos"
    assert emu.command_count <= 1.1 * 300
    assert emu.command_counts["/ip/firewall/address-list/print"] == 1
    assert gateway.commands_sent == emu.command_count
    assert len(emu.find("/ip/firewall/address-list", list="morosos")) == 300
    emu.reset_counts()
    again = await gateway.apply(access, suspend_all(specs))
    assert {r.text("en") for r in again} == {"already applied"} and emu.command_count == 1
    emu.reset_counts()
    activated = await gateway.apply(access, suspend_all(specs, OpKind.ACTIVATE))
    assert {r.outcome for r in activated} == {Outcome.APPLIED}
    assert emu.find("/ip/firewall/address-list", list="morosos") == []
    assert emu.command_count == 2  # one print, one remove of 300 comma-separated ids


async def test_bulk_sessions_and_hotspot_users(emu: RouterEmulator, access: RouterAccess) -> None:
    ppp = [ServiceSpec(i, "pppoe", f"ppp{i}", ip=f"10.1.0.{i}", password="x") for i in range(1, 21)]
    pool = [ServiceSpec(i, "pppoe", f"ppp{i}", password="x") for i in range(21, 26)]
    hotspot = [ServiceSpec(i, "hotspot", f"hs{i}", ip=f"10.5.0.{i}", password="x") for i in range(26, 36)]
    for spec in ppp + pool:
        emu.add_row("/ppp/secret", name=spec.name, password="x", comment=spec.comment)
        emu.add_row("/ppp/active", name=spec.name)
    for spec in hotspot:
        emu.add_row("/ip/hotspot/user", name=spec.name, password="x", comment=spec.comment)
        emu.add_row("/ip/hotspot/active", user=spec.name, address=spec.ip)
    emu.add_row("/ppp/active", name="someone-else")
    emu.reset_counts()
    specs = ppp + pool + hotspot
    results = await LibrouterosGateway(bulk_connections=4).apply(access, suspend_all(specs))
    assert {r.outcome for r in results} == {Outcome.APPLIED}, results
    assert [r["name"] for r in emu.rows("/ppp/active")] == ["someone-else"]
    assert emu.rows("/ip/hotspot/active") == []
    assert all(u["disabled"] == "true" for u in emu.rows("/ip/hotspot/user"))
    assert [s["disabled"] for s in emu.rows("/ppp/secret")] == ["false"] * 20 + ["true"] * 5
    assert len(emu.find("/ip/firewall/address-list", list="morosos")) == 30
    assert emu.command_counts["/ppp/active/remove"] == 1
    assert emu.command_counts["/ip/hotspot/active/remove"] == 1
    assert emu.command_count == 30 + 5 + 4  # adds + one print per table + 2 batched sets + 2 removes
    assert results[0].text("en") == "10.1.0.1 → morosos, PPP session dropped"
    assert results[20].text("en") == "PPP secret ppp21 disabled, PPP session dropped"
    activated = await LibrouterosGateway(bulk_connections=4).apply(
        access, suspend_all(specs, OpKind.ACTIVATE)
    )
    assert {r.outcome for r in activated} == {Outcome.APPLIED}
    assert all(u["disabled"] == "false" for u in emu.rows("/ip/hotspot/user") + emu.rows("/ppp/secret"))
    assert emu.find("/ip/firewall/address-list", list="morosos") == []


async def test_bulk_mixed_ops_keep_each_clients_order(emu: RouterEmulator, access: RouterAccess) -> None:
    specs = [pcq(i) for i in range(30)]
    ops: list[RouterOp] = []
    for spec in specs[:10]:  # create then suspend then rename: in that order
        ops += [RouterOp(OpKind.UPSERT_SERVICE, spec), RouterOp(OpKind.SUSPEND, spec)]
        ops.append(RouterOp(OpKind.UPSERT_SERVICE, replace(spec, profile="plan-20M")))
    ops += suspend_all(specs[10:])
    ops.append(RouterOp(OpKind.SUSPEND, ServiceSpec(999, "simple-queue", "sin ip")))
    results = await LibrouterosGateway(bulk_connections=4).apply(access, ops)
    assert [r.outcome for r in results[:-1]] == [Outcome.APPLIED] * (len(ops) - 1)
    assert results[-1].outcome is Outcome.REFUSED and "no IP address" in results[-1].text("en")
    assert results[0].text("en").endswith("created") and results[2].text("en").endswith("updated (profile)")
    assert len(emu.find("/ip/firewall/address-list", list="plan-20M")) == 10
    assert len(emu.find("/ip/firewall/address-list", list="morosos")) == 30


async def test_bulk_refusal_lands_on_its_own_client(emu: RouterEmulator, access: RouterAccess) -> None:
    specs = [pcq(i) for i in range(20)]
    emu.fail_next("/ip/firewall/address-list/add", "invalid value for argument address")
    results = await LibrouterosGateway(bulk_connections=4).apply(access, suspend_all(specs))
    refused = [r for r in results if r.outcome is Outcome.REFUSED]
    assert [r.text("en") for r in refused] == ["invalid value for argument address"]
    assert len(emu.find("/ip/firewall/address-list", list="morosos")) == 19


async def test_bulk_over_a_single_connection_still_saves_commands(
    emu: RouterEmulator, access: RouterAccess
) -> None:
    specs = [pcq(i) for i in range(40)]
    results = await LibrouterosGateway(bulk_connections=1).apply(access, suspend_all(specs))
    assert {r.outcome for r in results} == {Outcome.APPLIED}
    assert emu.command_count == 41 and emu.connection_count <= 1


async def test_a_router_capping_api_sessions_gets_the_bulk_over_the_sessions_it_allows(
    emu: RouterEmulator, access: RouterAccess
) -> None:
    """A router whose ``/ip service api max-sessions`` is below ``ANTENA_ROUTER_BULK_CONNECTIONS``
    (or whose other sessions are in use) closes the extra ones: the bulk goes over the rest."""
    emu.max_sessions = 3
    specs = [pcq(i) for i in range(60)]
    results = await LibrouterosGateway(Settings()).apply(access, suspend_all(specs))
    assert {r.outcome for r in results} == {Outcome.APPLIED}
    assert listed(emu) == {f"antena:{i}" for i in range(60)}
    assert emu.most_sessions == 3
