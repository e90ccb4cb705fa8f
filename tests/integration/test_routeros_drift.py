"""Drift check and repair against the emulator over TCP: each kind of drift, then clean."""

from __future__ import annotations

from dataclasses import replace

import pytest

from antena.core.routeros.client import RouterConnection
from antena.core.routeros.drift import DriftReport, check_drift, repair_drift
from antena.core.routeros.emulator import RouterEmulator
from antena.core.routeros.ops import OpKind, Outcome, RouterOp, ServiceSpec
from antena.core.routeros.provisioning import apply_op
from antena.core.routeros.wording import render

PPP = ServiceSpec(1, "pppoe", "Peña Núñez", ip="10.0.0.5", password="pw", profile="10M")
HOTSPOT = ServiceSpec(2, "hotspot", "ana", ip="10.5.50.3", password="pw", profile="default")
QUEUE = ServiceSpec(3, "simple-queue", "Juan", ip="10.0.1.3", rate="5M/10M")
PCQ = ServiceSpec(4, "pcq", "María", ip="10.0.2.4", profile="plan-10M")
ALL = [PPP, HOTSPOT, QUEUE, PCQ]


@pytest.fixture(autouse=True)
def profiles(emu: RouterEmulator) -> None:
    """The PPP profiles these specs name exist (RouterOS refuses a secret naming a missing one)."""
    for name in ("10M", "1M"):
        emu.add_row("/ppp/profile", name=name)


@pytest.fixture
async def provisioned(conn: RouterConnection) -> RouterConnection:
    for spec in ALL:
        await apply_op(conn, RouterOp(OpKind.UPSERT_SERVICE, spec))
    await apply_op(conn, RouterOp(OpKind.SUSPEND, QUEUE))
    return conn


async def repaired_clean(
    conn: RouterConnection, report: DriftReport, expected: list[ServiceSpec], suspended: set[int]
) -> None:
    results = await repair_drift(conn, report)
    assert [r.outcome for r in results] == [Outcome.APPLIED] * len(report.items), results
    second = await check_drift(conn, expected, suspended)
    assert second.clean, second.items


async def test_in_sync_router_is_clean_with_one_print_per_table(
    emu: RouterEmulator, provisioned: RouterConnection
) -> None:
    emu.add_row("/ppp/active", name=QUEUE.name)  # a suspended client online is not drift
    emu.reset_counts()
    report = await check_drift(provisioned, ALL, {3})
    assert report.clean, report.items
    assert emu.command_count == 4


async def test_missing(emu: RouterEmulator, provisioned: RouterConnection) -> None:
    emu.remove_row("/ppp/secret", emu.find("/ppp/secret", comment="antena:1")[0][".id"])
    report = await check_drift(provisioned, ALL, {3})
    [item] = report.items
    assert (item.kind, item.client_id) == ("missing", 1)
    assert item.op == RouterOp(OpKind.UPSERT_SERVICE, PPP)
    await repaired_clean(provisioned, report, ALL, {3})


async def test_different_fields(emu: RouterEmulator, provisioned: RouterConnection) -> None:
    secret = emu.find("/ppp/secret", comment="antena:1")[0][".id"]
    emu.update_row("/ppp/secret", secret, profile="1M", password="hacked")
    queue = emu.find("/queue/simple", comment="antena:3")[0][".id"]
    emu.update_row("/queue/simple", queue, max_limit="1M/1M", target="10.0.1.99")
    user = emu.find("/ip/hotspot/user", comment="antena:2")[0][".id"]
    emu.update_row("/ip/hotspot/user", user, name="ana-renamed")
    pcq = emu.find("/ip/firewall/address-list", comment="antena:4", list="plan-10M")[0][".id"]
    emu.update_row("/ip/firewall/address-list", pcq, address="10.0.2.44")
    report = await check_drift(provisioned, ALL, {3})
    assert {item.client_id: item.fields for item in report.different} == {
        1: ("password", "profile"),
        2: ("name",),
        3: ("target", "rate"),
        4: ("ip",),
    }
    assert report.different == report.items
    assert all(item.op is not None and item.op.kind is OpKind.UPSERT_SERVICE for item in report.items)
    await repaired_clean(provisioned, report, ALL, {3})


async def test_extra_objects(emu: RouterEmulator, provisioned: RouterConnection) -> None:
    ghost = emu.add_row("/ppp/secret", name="fantasma", comment="antena:77")
    emu.add_row("/ppp/secret", name="manual")  # not ours: never touched
    emu.add_row("/ip/firewall/address-list", list="morosos", address="10.9.9.9", comment="antena:78")
    dup = emu.add_row("/queue/simple", name="Juan-2", target="10.0.1.3", comment="antena:3")
    report = await check_drift(provisioned, ALL, {3})
    assert sorted((item.kind, item.client_id, item.remove) for item in report.items) == [  # type: ignore[type-var]
        ("extra", 3, ("/queue/simple", dup)),
        ("extra", 77, ("/ppp/secret", ghost)),
        (
            "extra",
            78,
            (
                "/ip/firewall/address-list",
                emu.find("/ip/firewall/address-list", comment="antena:78")[0][".id"],
            ),
        ),
    ]
    await repaired_clean(provisioned, report, ALL, {3})
    assert [row["name"] for row in emu.rows("/ppp/secret")] == ["Peña Núñez", "manual"]


async def test_service_type_changed(emu: RouterEmulator, provisioned: RouterConnection) -> None:
    moved = ServiceSpec(4, "simple-queue", "María", ip="10.0.2.4", rate="10M/10M")
    expected = [PPP, HOTSPOT, QUEUE, moved]
    report = await check_drift(provisioned, expected, {3})
    assert sorted(item.kind for item in report.items) == ["extra", "missing"]
    await repaired_clean(provisioned, report, expected, {3})


async def test_suspension_mismatches(emu: RouterEmulator, provisioned: RouterConnection) -> None:
    # 3 is listed but paid (should be active); 4 and 2 should be suspended but are not
    report = await check_drift(provisioned, ALL, {2, 4})
    by_client = {item.client_id: item for item in report.suspension}
    assert set(by_client) == {2, 3, 4} and report.suspension == report.items
    assert by_client[3].op == RouterOp(OpKind.ACTIVATE, QUEUE)
    assert by_client[4].op == RouterOp(OpKind.SUSPEND, PCQ)
    assert "should be suspended" in render(by_client[2].note, "en")
    await repaired_clean(provisioned, report, ALL, {2, 4})
    assert emu.find("/ip/hotspot/user", name="ana")[0]["disabled"] == "true"
    # a hotspot user re-enabled by hand while suspended is drift too
    emu.update_row("/ip/hotspot/user", emu.find("/ip/hotspot/user", name="ana")[0][".id"], disabled="no")
    report = await check_drift(provisioned, ALL, {2, 4})
    assert [(item.kind, item.client_id) for item in report.items] == [("suspension", 2)]
    await repaired_clean(provisioned, report, ALL, {2, 4})


async def test_missing_and_suspended_pool_client_repairs_in_order(
    emu: RouterEmulator, conn: RouterConnection
) -> None:
    pool = replace(PPP, ip=None)
    report = await check_drift(conn, [pool], {1})
    assert [item.kind for item in report.items] == ["missing", "suspension"]
    await repaired_clean(conn, report, [pool], {1})
    assert emu.rows("/ppp/secret")[0]["disabled"] == "true"


async def test_repair_on_lost_router_skips_the_rest(emu: RouterEmulator, conn: RouterConnection) -> None:
    report = await check_drift(conn, ALL, set())
    assert len(report.missing) == 4
    emu.drop_connections()
    results = await repair_drift(conn, report)
    assert [r.outcome for r in results] == [Outcome.UNREACHABLE] + [Outcome.SKIPPED] * 3


async def test_router_without_hotspot_package(emu: RouterEmulator, provisioned: RouterConnection) -> None:
    emu.fail_next("/ip/hotspot/user/print", "no such command prefix")
    report = await check_drift(provisioned, [PPP, QUEUE, PCQ], {3})
    assert report.clean, report.items
