"""Plans on the router (profiles, PCQ queue pairs) and the emulator's profile references, over TCP."""

from __future__ import annotations

import asyncio

import librouteros
import pytest
from librouteros.exceptions import TrapError

from antena.core import network_admin
from antena.core.bootstrap import App
from antena.core.errors import RouterError
from antena.core.notes import note
from antena.core.routeros import outbox
from antena.core.routeros.client import RouterConnection
from antena.core.routeros.emulator import RouterEmulator
from antena.core.routeros.ops import OpKind, Outcome, PlanSpec, RouterOp
from antena.core.routeros.plans import remove_plan, upsert_plan
from antena.core.routeros.provisioning import apply_op

PPP = PlanSpec(7, "pppoe", "Hogar 10M", upload="5M", download="10M")
PCQ = PlanSpec(8, "pcq", "pcq-15m", upload="5M", download="15M")


async def test_routeros_refuses_a_secret_whose_profile_is_missing(emu: RouterEmulator) -> None:
    api = await librouteros.async_connect("127.0.0.1", "admin", "s3cret", port=emu.port, encoding="utf8")
    try:
        with pytest.raises(TrapError, match="input does not match any value of profile"):
            await api.path("ppp", "secret").add(name="juan", password="x", profile="Hogar 10M")
        with pytest.raises(TrapError, match="input does not match any value of profile"):
            await api.path("ip", "hotspot", "user").add(name="ana", password="x", profile="1h")
        with pytest.raises(TrapError, match="input does not match any value of queue"):
            await api.path("queue", "tree").add(name="t", parent="global", queue="nope")
        profile = await api.path("ppp", "profile").add(name="Hogar 10M", **{"rate-limit": "5M/10M"})
        await api.path("ppp", "secret").add(name="juan", password="x", profile="Hogar 10M")
        await api.path("ppp", "profile").update(**{".id": profile, "name": "Hogar 20M"})
        [secret] = [row async for row in api.path("ppp", "secret")]
        assert secret["profile"] == "Hogar 20M", "a renamed profile is renamed in its secrets"
    finally:
        await api.close()
    assert not emu.find("/ppp/secret", name="missing")


async def test_upsert_plan_is_idempotent_and_found_by_comment(
    emu: RouterEmulator, conn: RouterConnection
) -> None:
    assert await upsert_plan(conn, PPP) == [note("created", noun="ppp_profile", name="Hogar 10M")]
    assert await upsert_plan(conn, PPP) == [note("already_applied")]
    [row] = emu.find("/ppp/profile", comment="antena:plan:7")
    assert row["rate-limit"] == "5M/10M"
    detail = await upsert_plan(conn, PlanSpec(7, "pppoe", "Hogar 20M", upload="10M", download="20M"))
    assert [n.code for n in detail] == ["updated"] and detail[0].params["fields"] == ["name", "rate-limit"]
    [row] = emu.find("/ppp/profile", comment="antena:plan:7")
    assert (row["name"], row["rate-limit"]) == ("Hogar 20M", "10M/20M")

    await upsert_plan(conn, PCQ)
    emu.reset_counts()
    assert await upsert_plan(conn, PCQ) == [note("already_applied")]
    assert set(emu.command_counts) == {"/queue/type/print", "/ip/firewall/mangle/print", "/queue/tree/print"}
    assert len(emu.find("/queue/type", comment="antena:plan:8")) == 2
    assert len(emu.find("/ip/firewall/mangle", comment="antena:plan:8")) == 2
    assert len(emu.find("/queue/tree", comment="antena:plan:8")) == 2
    assert await remove_plan(conn, PCQ) == [note("removed", noun="plan", name="pcq-15m")]
    assert not [
        r
        for p in ("/queue/type", "/queue/tree", "/ip/firewall/mangle")
        for r in emu.find(p, comment="antena:plan:8")
    ]
    assert await remove_plan(conn, PCQ) == [note("already_absent", noun="plan", name="pcq-15m")]


async def test_a_profile_made_by_hand_is_adopted_a_default_never(
    emu: RouterEmulator, conn: RouterConnection
) -> None:
    emu.add_row("/ppp/profile", name="Hogar 10M", **{"rate-limit": "1M/1M"})
    await upsert_plan(conn, PPP)
    [row] = emu.find("/ppp/profile", name="Hogar 10M")
    assert (row["comment"], row["rate-limit"]) == ("antena:plan:7", "5M/10M")
    with pytest.raises(RouterError, match="already exists and is not this plan's"):
        await apply_op(
            conn, RouterOp.for_plan(OpKind.UPSERT_PLAN, PlanSpec(9, "pppoe", "default", "1M", "1M"))
        )
    assert emu.find("/ppp/profile", name="default")[0].get("comment") is None


async def test_a_router_that_is_down_gets_the_plan_from_the_outbox(app: App, isp) -> None:  # type: ignore[no-untyped-def]
    emu = isp.emulator
    emu.unreachable = True
    result = await network_admin.add_plan(
        app, isp.actor, name="Fibra 50M", service_type="pppoe", price="600", download="50M", upload="20M"
    )
    assert [d.outcome for d in result.deliveries] == [Outcome.UNREACHABLE]
    assert not emu.find("/ppp/profile", name="Fibra 50M")
    emu.unreachable = False
    for _ in range(50):  # the worker's next passes (back-off of a fraction of a second in tests)
        await outbox.run_due(app)
        if emu.find("/ppp/profile", name="Fibra 50M"):
            break
        await asyncio.sleep(0.1)
    [row] = emu.find("/ppp/profile", name="Fibra 50M")
    assert row["rate-limit"] == "20M/50M" and row["comment"] == f"antena:plan:{result.plan.id}"
