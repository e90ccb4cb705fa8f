"""Each operation and service type through LibrouterosGateway, against the emulator over TCP."""

from __future__ import annotations

from dataclasses import replace

import pytest

from antena.core.routeros.emulator import RouterEmulator
from antena.core.routeros.gateway import LibrouterosGateway
from antena.core.routeros.ops import OpKind, OpResult, Outcome, RouterAccess, RouterOp, ServiceSpec

SPECS = {
    "pppoe": ServiceSpec(
        1,
        "pppoe",
        "Peña Núñez",
        ip="10.0.0.5",
        password="contraseña",
        profile="10M",
        local_address="10.0.0.1",
    ),
    "hotspot": ServiceSpec(
        2, "hotspot", "ana", ip="10.5.50.3", password="pw", profile="default", mac="AA:BB:CC:00:11:22"
    ),
    "simple-queue": ServiceSpec(3, "simple-queue", "Juan Pérez", ip="10.0.1.3", rate="5M/10M"),
    "pcq": ServiceSpec(4, "pcq", "María", ip="10.0.2.4", profile="plan-10M"),
}
PATHS = {
    "pppoe": "/ppp/secret",
    "hotspot": "/ip/hotspot/user",
    "simple-queue": "/queue/simple",
    "pcq": "/ip/firewall/address-list",
}
EXPECTED = {
    "pppoe": {"name": "Peña Núñez", "password": "contraseña", "service": "pppoe", "profile": "10M",
              "remote-address": "10.0.0.5", "local-address": "10.0.0.1", "comment": "antena:1"},
    "hotspot": {"name": "ana", "password": "pw", "profile": "default", "address": "10.5.50.3",
                "mac-address": "AA:BB:CC:00:11:22", "server": "all", "comment": "antena:2"},
    "simple-queue": {"name": "Juan Pérez", "target": "10.0.1.3/32", "max-limit": "5000000/10000000",
                     "comment": "antena:3"},
    "pcq": {"list": "plan-10M", "address": "10.0.2.4", "comment": "antena:4"},
}  # fmt: skip
TYPES = list(SPECS)


@pytest.fixture(autouse=True)
def profiles(emu: RouterEmulator) -> None:
    """The PPP and Hotspot profiles these specs name exist, as on a router set up for them (a real
    RouterOS refuses a secret or user whose profile does not exist)."""
    for name in ("10M", "20M"):
        emu.add_row("/ppp/profile", name=name)
    emu.add_row("/ip/hotspot/user/profile", name="1h")


@pytest.fixture
def gateway() -> LibrouterosGateway:
    return LibrouterosGateway()


@pytest.fixture
def apply(gateway: LibrouterosGateway, access: RouterAccess):  # type: ignore[no-untyped-def]
    async def _apply(kind: OpKind, *specs: ServiceSpec) -> list[OpResult]:
        return await gateway.apply(access, [RouterOp(kind, spec) for spec in specs])

    return _apply


def ours(emu: RouterEmulator, service_type: str, client_id: int) -> list[dict[str, str]]:
    rows = emu.find(PATHS[service_type], comment=f"antena:{client_id}")
    return [row for row in rows if row.get("list") != "morosos"]


def applied(results: list[OpResult]) -> list[str]:
    assert [r.outcome for r in results] == [Outcome.APPLIED] * len(results), results
    return [r.text("en") for r in results]


# -- create / idempotency ------------------------------------------------------------------


@pytest.mark.parametrize("service_type", TYPES)
async def test_create_then_same_op_again_leaves_one_entry(
    emu: RouterEmulator, apply, service_type: str
) -> None:
    spec = SPECS[service_type]
    [detail] = applied(await apply(OpKind.UPSERT_SERVICE, spec))
    assert detail.endswith("created")
    [row] = ours(emu, service_type, spec.client_id)
    assert {key: row.get(key) for key in EXPECTED[service_type]} == EXPECTED[service_type]
    emu.reset_counts()
    assert applied(await apply(OpKind.UPSERT_SERVICE, spec)) == ["already applied"]
    assert len(ours(emu, service_type, spec.client_id)) == 1
    assert emu.command_count == 1  # one lookup, nothing written
    assert applied(await apply(OpKind.UPSERT_SERVICE, spec, spec)) == ["already applied"] * 2


@pytest.mark.parametrize("service_type", TYPES)
async def test_entry_already_on_router_counts_as_applied(
    emu: RouterEmulator, apply, service_type: str
) -> None:
    spec = SPECS[service_type]
    emu.add_row(PATHS[service_type], **EXPECTED[service_type])
    emu.reset_counts()
    assert applied(await apply(OpKind.UPSERT_SERVICE, spec)) == ["already applied"]
    assert emu.command_counts[f"{PATHS[service_type]}/add"] == 0
    assert len(ours(emu, service_type, spec.client_id)) == 1


@pytest.mark.parametrize("service_type", TYPES)
async def test_name_taken_by_another_client_is_refused(emu: RouterEmulator, apply, service_type: str) -> None:
    foreign = {**EXPECTED[service_type], "comment": "antena:99"}
    emu.add_row(PATHS[service_type], **foreign)
    [result] = await apply(OpKind.UPSERT_SERVICE, SPECS[service_type])
    assert result.outcome is Outcome.REFUSED
    assert (
        result.text("en")
        == {
            "pppoe": "failure: secret with the same name already exists",
            "hotspot": "failure: already have user with this name for this server",
            "simple-queue": "failure: already have such name",
            "pcq": "failure: already have such entry",
        }[service_type]
    )
    assert ours(emu, service_type, SPECS[service_type].client_id) == []


async def test_utf8_names_round_trip(emu: RouterEmulator, apply) -> None:
    spec = replace(SPECS["hotspot"], name="Peña Núñez 🛜", password="añejo")
    applied(await apply(OpKind.UPSERT_SERVICE, spec))
    assert emu.rows("/ip/hotspot/user")[0]["name"] == "Peña Núñez 🛜"
    assert applied(await apply(OpKind.UPSERT_SERVICE, spec)) == ["already applied"]


async def test_refused_op_does_not_stop_the_batch(emu: RouterEmulator, apply) -> None:
    emu.fail_next("/queue/simple/add", "invalid value for argument max-limit")
    results = await apply(OpKind.UPSERT_SERVICE, SPECS["simple-queue"], SPECS["pcq"])
    assert [r.outcome for r in results] == [Outcome.REFUSED, Outcome.APPLIED]
    assert results[0].text("en") == "invalid value for argument max-limit"


async def test_spec_without_required_values_is_refused(apply) -> None:
    [result] = await apply(OpKind.UPSERT_SERVICE, replace(SPECS["pcq"], ip=None))
    assert result.outcome is Outcome.REFUSED and result.text("en") == "a pcq service needs IP"


# -- update --------------------------------------------------------------------------------

UPDATES = [
    ("pppoe", {"name": "Peña Núñez II"}, {"name": "Peña Núñez II"}, "name"),
    ("pppoe", {"profile": "20M"}, {"profile": "20M"}, "profile"),
    ("pppoe", {"ip": "10.0.0.50"}, {"remote-address": "10.0.0.50"}, "ip"),
    ("pppoe", {"password": "nueva"}, {"password": "nueva"}, "password"),
    ("hotspot", {"name": "ana.b"}, {"name": "ana.b"}, "name"),
    ("hotspot", {"profile": "1h"}, {"profile": "1h"}, "profile"),
    ("hotspot", {"ip": "10.5.50.9"}, {"address": "10.5.50.9"}, "ip"),
    ("hotspot", {"password": "x2"}, {"password": "x2"}, "password"),
    ("simple-queue", {"name": "Juan P."}, {"name": "Juan P."}, "name"),
    ("simple-queue", {"rate": "10M/20M"}, {"max-limit": "10000000/20000000"}, "rate"),
    ("simple-queue", {"ip": "10.0.1.30"}, {"target": "10.0.1.30/32"}, "target"),
    ("pcq", {"profile": "plan-20M"}, {"list": "plan-20M"}, "profile"),
    ("pcq", {"ip": "10.0.2.40"}, {"address": "10.0.2.40"}, "ip"),
]


@pytest.mark.parametrize(("service_type", "change", "props", "label"), UPDATES)
async def test_update_sets_only_what_differs(
    emu: RouterEmulator, apply, service_type: str, change: dict[str, str], props: dict[str, str], label: str
) -> None:
    spec = SPECS[service_type]
    applied(await apply(OpKind.UPSERT_SERVICE, spec))
    emu.reset_counts()
    [detail] = applied(await apply(OpKind.UPSERT_SERVICE, replace(spec, **change)))
    assert detail.endswith(f"updated ({'IP' if label == 'ip' else label})")
    [row] = ours(emu, service_type, spec.client_id)
    assert {key: row[key] for key in props} == props
    [command] = [c for c in emu.history if c.command.endswith("/set")]
    assert set(command.attributes) == {".id", *props}
    assert emu.command_counts[f"{PATHS[service_type]}/add"] == 0


async def test_rename_onto_a_taken_name_is_refused(emu: RouterEmulator, apply) -> None:
    emu.add_row("/ppp/secret", name="pepe", comment="antena:77")
    applied(await apply(OpKind.UPSERT_SERVICE, SPECS["pppoe"]))
    [result] = await apply(OpKind.UPSERT_SERVICE, replace(SPECS["pppoe"], name="pepe"))
    assert result.outcome is Outcome.REFUSED
    assert result.text("en") == "failure: secret with the same name already exists"


async def test_pppoe_moving_to_a_pool_unsets_the_address(emu: RouterEmulator, apply) -> None:
    applied(await apply(OpKind.UPSERT_SERVICE, SPECS["pppoe"]))
    [detail] = applied(await apply(OpKind.UPSERT_SERVICE, replace(SPECS["pppoe"], ip=None)))
    assert detail.endswith("updated (IP)")
    assert "remote-address" not in emu.rows("/ppp/secret")[0]


async def test_duplicates_with_our_comment_are_folded(emu: RouterEmulator, apply) -> None:
    emu.add_row("/ip/firewall/address-list", list="plan-10M", address="10.0.2.4", comment="antena:4")
    emu.add_row("/ip/firewall/address-list", list="plan-5M", address="10.0.2.4", comment="antena:4")
    [detail] = applied(await apply(OpKind.UPSERT_SERVICE, SPECS["pcq"]))
    assert detail == "1 duplicate removed"
    assert len(ours(emu, "pcq", 4)) == 1


# -- remove --------------------------------------------------------------------------------


@pytest.mark.parametrize("service_type", TYPES)
async def test_remove_then_again(emu: RouterEmulator, apply, service_type: str) -> None:
    spec = SPECS[service_type]
    applied(await apply(OpKind.UPSERT_SERVICE, spec))
    applied(await apply(OpKind.SUSPEND, spec))
    [detail] = applied(await apply(OpKind.REMOVE_SERVICE, spec))
    assert detail.endswith("removed")
    assert ours(emu, service_type, spec.client_id) == []
    assert len(emu.find("/ip/firewall/address-list", list="morosos")) == 1  # suspension is separate
    [again] = applied(await apply(OpKind.REMOVE_SERVICE, spec))
    assert again.endswith("already absent")


# -- suspend / activate --------------------------------------------------------------------


def listed(emu: RouterEmulator) -> list[tuple[str, str]]:
    return [
        (r["address"], r.get("comment", "")) for r in emu.find("/ip/firewall/address-list", list="morosos")
    ]


@pytest.mark.parametrize("service_type", ["simple-queue", "pcq"])
async def test_suspend_and_activate_address_list_only(emu: RouterEmulator, apply, service_type: str) -> None:
    spec = SPECS[service_type]
    applied(await apply(OpKind.UPSERT_SERVICE, spec))
    assert applied(await apply(OpKind.SUSPEND, spec)) == [f"{spec.ip} → morosos"]
    assert listed(emu) == [(spec.ip, spec.comment)]
    assert applied(await apply(OpKind.SUSPEND, spec)) == ["already applied"]
    assert len(listed(emu)) == 1
    assert applied(await apply(OpKind.ACTIVATE, spec)) == [f"{spec.ip} removed from morosos"]
    assert listed(emu) == []
    assert applied(await apply(OpKind.ACTIVATE, spec)) == ["already applied"]
    assert len(ours(emu, service_type, spec.client_id)) == 1  # the service itself is untouched


async def test_pppoe_suspend_drops_the_session(emu: RouterEmulator, apply) -> None:
    spec = SPECS["pppoe"]
    applied(await apply(OpKind.UPSERT_SERVICE, spec))
    emu.add_row("/ppp/active", name=spec.name, address=spec.ip, caller_id="AA:BB:CC:DD:EE:01")
    emu.add_row("/ppp/active", name="otro", address="10.0.0.99")
    assert applied(await apply(OpKind.SUSPEND, spec)) == ["10.0.0.5 → morosos, PPP session dropped"]
    assert [r["name"] for r in emu.rows("/ppp/active")] == ["otro"]
    assert listed(emu) == [("10.0.0.5", "antena:1")]
    assert emu.rows("/ppp/secret")[0]["disabled"] == "false"  # with an IP the list does the blocking
    assert applied(await apply(OpKind.ACTIVATE, spec)) == ["10.0.0.5 removed from morosos"]
    assert listed(emu) == []


async def test_pppoe_from_a_pool_is_suspended_by_disabling_the_secret(emu: RouterEmulator, apply) -> None:
    spec = replace(SPECS["pppoe"], ip=None)
    applied(await apply(OpKind.UPSERT_SERVICE, spec))
    emu.add_row("/ppp/active", name=spec.name, address="10.9.0.17")
    assert applied(await apply(OpKind.SUSPEND, spec)) == [
        "PPP secret Peña Núñez disabled, PPP session dropped"
    ]
    assert emu.rows("/ppp/secret")[0]["disabled"] == "true"
    assert emu.rows("/ppp/active") == [] and listed(emu) == []
    assert applied(await apply(OpKind.SUSPEND, spec)) == ["already applied"]
    assert applied(await apply(OpKind.ACTIVATE, spec)) == ["PPP secret Peña Núñez enabled"]
    assert emu.rows("/ppp/secret")[0]["disabled"] == "false"


async def test_suspend_without_ip_or_object_is_refused(apply) -> None:
    [pool] = await apply(OpKind.SUSPEND, replace(SPECS["pppoe"], ip=None))
    assert pool.outcome is Outcome.REFUSED and "no IP address and no PPP secret" in pool.text("en")
    [queue] = await apply(OpKind.SUSPEND, replace(SPECS["simple-queue"], ip=None))
    assert queue.outcome is Outcome.REFUSED and "no IP address" in queue.text("en")


async def test_hotspot_suspend_disables_user_and_drops_session(emu: RouterEmulator, apply) -> None:
    spec = SPECS["hotspot"]
    applied(await apply(OpKind.UPSERT_SERVICE, spec))
    emu.add_row("/ip/hotspot/active", user="ana", address=spec.ip, mac_address=spec.mac)
    emu.add_row("/ip/hotspot/active", user="beto", address="10.5.50.4")
    assert applied(await apply(OpKind.SUSPEND, spec)) == [
        "10.5.50.3 → morosos, Hotspot user ana disabled, Hotspot session dropped"
    ]
    assert emu.rows("/ip/hotspot/user")[0]["disabled"] == "true"
    assert [r["user"] for r in emu.rows("/ip/hotspot/active")] == ["beto"]
    assert applied(await apply(OpKind.SUSPEND, spec)) == ["already applied"]
    assert applied(await apply(OpKind.ACTIVATE, spec)) == [
        "10.5.50.3 removed from morosos, Hotspot user ana enabled"
    ]
    assert emu.rows("/ip/hotspot/user")[0]["disabled"] == "false" and listed(emu) == []


async def test_address_already_listed_by_hand(emu: RouterEmulator, apply) -> None:
    spec = SPECS["pcq"]
    emu.add_row("/ip/firewall/address-list", list="morosos", address="10.0.2.4/32", comment="by hand")
    emu.reset_counts()
    assert applied(await apply(OpKind.SUSPEND, spec)) == ["already applied"]
    assert emu.command_counts["/ip/firewall/address-list/add"] == 0
    assert applied(await apply(OpKind.ACTIVATE, spec)) == ["10.0.2.4 removed from morosos"]
    assert listed(emu) == []


async def test_suspend_after_ip_change_removes_the_old_entry(emu: RouterEmulator, apply) -> None:
    spec = SPECS["simple-queue"]
    applied(await apply(OpKind.SUSPEND, spec))
    moved = replace(spec, ip="10.0.1.33")
    assert applied(await apply(OpKind.SUSPEND, moved)) == [
        "10.0.1.33 → morosos, old 10.0.1.3 removed from morosos"
    ]
    assert listed(emu) == [("10.0.1.33", "antena:3")]


async def test_session_gone_between_read_and_remove(emu: RouterEmulator, apply) -> None:
    spec = SPECS["pppoe"]
    emu.add_row("/ppp/active", name=spec.name)
    emu.fail_next("/ppp/active/remove", "no such item")
    assert applied(await apply(OpKind.SUSPEND, spec)) == ["10.0.0.5 → morosos, PPP session dropped"]
