"""The RouterOS API emulator, exercised only through librouteros over real TCP connections."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import librouteros
import pytest
from librouteros.api import AsyncApi
from librouteros.connections import AsyncSocketTransport
from librouteros.exceptions import ConnectionClosed, LibRouterosError, TrapError
from librouteros.login import async_token
from librouteros.protocol import AsyncApiProtocol
from librouteros.query import And, Key, Or

from antena.core.routeros.emulator import RouterEmulator, RouterOSTrap
from antena.core.routeros.emulator_wire import SentenceDecoder, decode_length, encode_length
from tests.helpers import REPO, free_port, run_on_taken_port

Connect = Callable[..., Awaitable[AsyncApi]]


@pytest.fixture
async def router() -> AsyncIterator[RouterEmulator]:
    async with RouterEmulator(password="s3cret") as emulator:
        yield emulator


@pytest.fixture
async def connect(router: RouterEmulator) -> AsyncIterator[Connect]:
    opened: list[AsyncApi] = []

    async def _connect(username: str = "admin", password: str = "s3cret", **kw: Any) -> AsyncApi:
        kw.setdefault("timeout", 5)
        assert router.port is not None
        api = await librouteros.async_connect(
            "127.0.0.1", username, password, port=router.port, encoding="utf8", **kw
        )
        opened.append(api)
        return api

    yield _connect
    for api in opened:
        with contextlib.suppress(TimeoutError, OSError, LibRouterosError):
            await api.close()


@pytest.fixture
async def api(connect: Connect) -> AsyncApi:
    return await connect()


async def rows(path: Any) -> list[dict[str, Any]]:
    return [row async for row in path]


async def call(api: AsyncApi, command: str, **kw: Any) -> list[dict[str, Any]]:
    return [row async for row in api(command, **kw)]


async def raw(api: AsyncApi, command: str, *words: str) -> list[dict[str, Any]]:
    return [row async for row in api.rawCmd(command, *words)]


# -- login ---------------------------------------------------------------------------------


async def test_login_ok_and_bad_password(router: RouterEmulator, connect: Connect) -> None:
    api = await connect()
    assert await call(api, "/system/identity/print") == [{"name": "MikroTik"}]
    with pytest.raises(TrapError) as caught:
        await connect(password="wrong")
    assert caught.value.message == "invalid user name or password (6)"
    with pytest.raises(TrapError):
        await connect(username="nobody")


async def test_connection_stays_open_after_failed_login(router: RouterEmulator) -> None:
    assert router.port is not None
    reader, writer = await asyncio.open_connection("127.0.0.1", router.port)
    api = AsyncApi(AsyncApiProtocol(AsyncSocketTransport(reader, writer), "utf8", timeout=5))
    with pytest.raises(TrapError, match=r"invalid user name or password \(6\)"):
        await call(api, "/login", name="admin", password="bad")
    assert await call(api, "/login", name="admin", password="s3cret") == []
    assert len(await call(api, "/ppp/profile/print")) == 2
    await api.close()


async def test_commands_before_login_are_fatal(router: RouterEmulator) -> None:
    assert router.port is not None
    reader, writer = await asyncio.open_connection("127.0.0.1", router.port)
    api = AsyncApi(AsyncApiProtocol(AsyncSocketTransport(reader, writer), "utf8", timeout=5))
    with pytest.raises(librouteros.exceptions.FatalError, match="not logged in"):
        await call(api, "/ppp/secret/print")
    assert router.command_count == 0


async def test_legacy_challenge_login(connect: Connect) -> None:
    api = await connect(login_method=async_token)
    assert await call(api, "/system/identity/print") == [{"name": "MikroTik"}]
    with pytest.raises(TrapError):
        await connect(password="wrong", login_method=async_token)


# -- add / print / set / remove ------------------------------------------------------------


async def test_add_returns_hex_ids_and_print_returns_rows(router: RouterEmulator, api: AsyncApi) -> None:
    await api.path("ppp", "profile").add(name="10M")
    secrets = api.path("ppp", "secret")
    ids = [await secrets.add(name=f"user{i}", password="pw", profile="10M") for i in range(31)]
    assert ids[:3] == ["*1", "*2", "*3"]
    assert ids[9] == "*A" and ids[30] == "*1F"
    listed = await rows(secrets)
    assert [row[".id"] for row in listed] == ids
    assert listed[0] == {
        ".id": "*1", "name": "user0", "service": "any", "caller-id": "", "password": "pw",
        "profile": "10M", "routes": "", "limit-bytes-in": 0, "limit-bytes-out": 0,
        "dynamic": False, "disabled": False,
    }  # fmt: skip
    assert router.rows("/ppp/secret")[0]["disabled"] == "false"  # RouterOS 7 booleans
    assert await call(api, "/ppp/secret/getall") == listed


async def test_set_enable_disable_and_remove(router: RouterEmulator, api: AsyncApi) -> None:
    secrets = api.path("ppp", "secret")
    first = await secrets.add(name="ana", password="a")
    second = await secrets.add(name="bob", password="b")
    await secrets.update(**{".id": first, "password": "new", "disabled": True})
    await call(api, "/ppp/secret/set", numbers="bob", comment="by name")
    assert router.row("/ppp/secret", first) is not None
    assert router.find("ppp/secret", name="ana")[0]["password"] == "new"
    assert router.find("ppp/secret", name="ana")[0]["disabled"] == "true"
    assert router.find("ppp/secret", name="bob")[0]["comment"] == "by name"
    await call(api, "/ppp/secret/enable", **{".id": first})
    await call(api, "/ppp/secret/disable", numbers=second)
    assert [r["disabled"] for r in router.rows("/ppp/secret")] == ["false", "true"]
    await secrets.remove(first, second)  # sends =.id=*1,*2
    assert router.rows("/ppp/secret") == []


async def test_remove_and_set_unknown_id(api: AsyncApi) -> None:
    secrets = api.path("ppp", "secret")
    keep = await secrets.add(name="keep")
    with pytest.raises(TrapError) as caught:
        await secrets.remove("*99")
    assert caught.value.message == "no such item"
    with pytest.raises(TrapError, match="no such item"):
        await secrets.remove(keep, "*98")  # nothing removed when one id is unknown
    with pytest.raises(TrapError, match="no such item"):
        await secrets.update(**{".id": "*77", "password": "x"})
    assert len(await rows(secrets)) == 1


async def test_add_without_required_value(api: AsyncApi) -> None:
    with pytest.raises(TrapError, match=r"missing value\(s\) of argument\(s\) list, address"):
        await api.path("ip", "firewall", "address-list").add(comment="x")


async def test_python_style_parameter_name_is_rejected(api: AsyncApi) -> None:
    with pytest.raises(TrapError, match="unknown parameter max_limit"):
        await api.path("queue", "simple").add(name="q", target="10.0.0.9", max_limit="1M/1M")


# -- duplicates ----------------------------------------------------------------------------

DUPLICATES = [
    ("/ppp/secret", {"name": "pepe"}, "failure: secret with the same name already exists"),
    ("/ppp/profile", {"name": "10M"}, "failure: profile with the same name already exists"),
    (
        "/ip/hotspot/user",
        {"name": "pepe"},
        "failure: already have user with this name for this server",
    ),
    ("/ip/hotspot/user/profile", {"name": "1h"}, "failure: already have such name"),
    ("/queue/simple", {"name": "pepe", "target": "10.0.0.5"}, "failure: already have such name"),
    ("/queue/type", {"name": "pcq-10M", "kind": "pcq"}, "failure: already have such name"),
    (
        "/ip/firewall/address-list",
        {"list": "morosos", "address": "10.0.0.5"},
        "failure: already have such entry",
    ),
    ("/interface/wireless", {"name": "wlan9"}, "failure: already have interface with such name"),
    ("/interface/wireless/security-profiles", {"name": "wpa"}, "failure: already have such name"),
    ("/interface/wifi", {"name": "wifi9"}, "failure: already have interface with such name"),
]


@pytest.mark.parametrize(("path", "props", "message"), DUPLICATES)
async def test_duplicate_traps(
    router: RouterEmulator, api: AsyncApi, path: str, props: dict[str, str], message: str
) -> None:
    menu = api.path(*path.strip("/").split("/"))
    before = len(router.rows(path))
    await menu.add(**props)
    with pytest.raises(TrapError) as caught:
        await menu.add(**props)
    assert caught.value.message == message
    assert len(router.rows(path)) == before + 1


async def test_duplicate_rules_details(router: RouterEmulator, api: AsyncApi) -> None:
    lists = api.path("ip", "firewall", "address-list")
    await lists.add(list="morosos", address="10.0.0.5")
    await lists.add(list="cortados", address="10.0.0.5")  # other list: fine
    with pytest.raises(TrapError, match="already have such entry"):
        await lists.add(list="morosos", address="10.0.0.5/32")  # same host, other spelling
    secrets = api.path("ppp", "secret")
    await secrets.add(name="a")
    b = await secrets.add(name="b")
    with pytest.raises(TrapError, match="secret with the same name"):
        await secrets.update(**{".id": b, "name": "a"})  # renaming onto a taken name
    await secrets.update(**{".id": b, "name": "c"})
    await secrets.add(name="b")  # the old name is free again
    with pytest.raises(RouterOSTrap, match="secret with the same name"):
        router.add_row("/ppp/secret", name="c")  # seeding obeys the same rules


# -- queries -------------------------------------------------------------------------------


@pytest.fixture
async def queues(router: RouterEmulator) -> RouterEmulator:
    for i, name in enumerate(["ana", "bob", "carla", "dani", "eva"], start=1):
        router.add_row(
            "/queue/simple",
            name=name,
            target=f"10.0.0.{i}",
            max_limit=f"{i}M/{i}M",
            disabled="yes" if name == "carla" else "no",
            **({"comment": "vip"} if name in ("bob", "eva") else {}),
        )
    return router


async def names(query: Any) -> list[str]:
    return [row["name"] async for row in query]


async def test_query_builder_operators(queues: RouterEmulator, api: AsyncApi) -> None:
    q = api.path("queue", "simple")
    name, target, disabled = Key("name"), Key("target"), Key("disabled")
    assert await names(q.select(name).where(name == "bob")) == ["bob"]
    assert await names(q.select(name).where(name != "bob")) == ["ana", "carla", "dani", "eva"]
    assert await names(q.select(name).where(name < "carla")) == ["ana", "bob"]
    assert await names(q.select(name).where(name > "carla")) == ["dani", "eva"]
    assert await names(q.select(name).where(name.In("ana", "eva", "zoe"))) == ["ana", "eva"]
    assert await names(q.select(name).where(disabled == True)) == ["carla"]  # noqa: E712
    assert await names(q.select(name).where(target == "10.0.0.4/32")) == ["dani"]
    both = And(name.In("ana", "bob", "carla"), disabled == False)  # noqa: E712
    assert await names(q.select(name).where(both)) == ["ana", "bob"]
    either = Or(name == "ana", Key("comment") == "vip", name == "nobody")
    assert await names(q.select(name).where(either)) == ["ana", "bob", "eva"]
    assert await names(q.select(name).where(name != "ana", name != "eva")) == [
        "bob",
        "carla",
        "dani",
    ]


async def test_proplist_limits_properties(queues: RouterEmulator, api: AsyncApi) -> None:
    q = api.path("queue", "simple")
    selected = [row async for row in q.select(Key(".id"), Key("name"), Key("max-limit"))]
    assert selected[0] == {".id": "*1", "name": "ana", "max-limit": "1000000/1000000"}
    assert all(set(row) == {".id", "name", "max-limit"} for row in selected)
    raw_rows = await raw(api, "/queue/simple/print", "=.proplist=name,nonexistent", "?name=bob")
    assert raw_rows == [{"name": "bob"}]


async def test_raw_query_words_and_stack_operations(queues: RouterEmulator, api: AsyncApi) -> None:
    async def query(*words: str) -> list[str]:
        return [row["name"] for row in await raw(api, "/queue/simple/print", "=.proplist=name", *words)]

    assert await query("?comment") == ["bob", "eva"]  # has the property
    assert await query("?-comment") == ["ana", "carla", "dani"]  # has not
    assert await query("?>target=10.0.0.3") == ["dani", "eva"]  # addresses compare by value
    assert await query("?name=ana", "?name=bob", "?#|") == ["ana", "bob"]
    assert await query("?name=ana", "?name=bob", "?#|!") == ["carla", "dani", "eva"]
    assert await query("?comment", "?disabled=true", "?#|", "?#!") == ["ana", "dani"]
    # ?#. duplicates the top value, ?#0 replaces the stack with it; indices copy a value
    assert await query("?name=eva", "?#.", "?#&") == ["eva"]
    assert await query("?name=ana", "?name=bob", "?#1") == ["ana"]
    assert await query("?name=ana", "?comment", "?#|.") == ["ana", "bob", "eva"]
    # "1|": push a copy of ?name=ana, OR it with ?comment; the original copy still ANDs in
    assert await query("?name=ana", "?comment", "?#1|") == ["ana"]


async def test_count_only(queues: RouterEmulator, api: AsyncApi) -> None:
    assert await call(api, "/queue/simple/print", **{"count-only": ""}) == [{"ret": 5}]
    counted = await raw(api, "/queue/simple/print", "=count-only=", "?comment=vip")
    assert counted == [{"ret": 2}]


async def test_utf8_names_round_trip(router: RouterEmulator, api: AsyncApi) -> None:
    secrets = api.path("ppp", "secret")
    await secrets.add(name="Peña", password="contraseña", comment="Ñandú 🛜")
    assert router.rows("/ppp/secret")[0]["name"] == "Peña"
    found = [row async for row in secrets.select(Key("name"), Key("comment")).where(Key("name") == "Peña")]
    assert found == [{"name": "Peña", "comment": "Ñandú 🛜"}]
    with pytest.raises(TrapError, match="same name"):
        await secrets.add(name="Peña")


async def test_long_words_use_multi_byte_lengths(router: RouterEmulator, api: AsyncApi) -> None:
    comments = ["x" * 200, "y" * 20_000, "z" * 3_000_000]  # 2-, 3- and 4-byte length prefixes
    for i, comment in enumerate(comments):
        await api.path("ip", "firewall", "filter").add(chain="forward", comment=comment, **{"dst-port": i})
    listed = await rows(api.path("ip", "firewall", "filter"))
    assert [row["comment"] for row in listed] == comments


def test_length_encoding_all_sizes() -> None:
    cases = {
        0: b"\x00", 0x7F: b"\x7f", 0x80: b"\x80\x80", 0x3FFF: b"\xbf\xff",
        0x4000: b"\xc0\x40\x00", 0x1FFFFF: b"\xdf\xff\xff", 0x200000: b"\xe0\x20\x00\x00",
        0xFFFFFFF: b"\xef\xff\xff\xff", 0x10000000: b"\xf0\x10\x00\x00\x00",
    }  # fmt: skip
    for length, encoded in cases.items():
        assert encode_length(length) == encoded
        assert decode_length(encoded, 0) == (length, len(encoded))
        assert decode_length(encoded[:-1], 0) is None or len(encoded) == 1
    decoder = SentenceDecoder()
    stream = b"\x05/quit\x04=a=b\x00\x00"
    got = [sentence for byte in stream for sentence in decoder.feed(bytes([byte]))]
    assert got == [["/quit", "=a=b"], []]


# -- other commands and menus --------------------------------------------------------------


async def test_unknown_path_and_command(api: AsyncApi) -> None:
    with pytest.raises(TrapError) as caught:
        await call(api, "/ip/nonsense/print")
    assert caught.value.message == "no such command prefix"
    with pytest.raises(TrapError) as caught:
        await call(api, "/ppp/secret/frobnicate")
    assert caught.value.message == "no such command"
    with pytest.raises(TrapError, match=r"^no such command$"):
        await call(api, "/ppp/active/add", name="x")  # read + remove only
    with pytest.raises(TrapError, match=r"^no such command$"):
        await call(api, "/ip/firewall/print")  # a menu, not a table


async def test_arp_make_static(router: RouterEmulator, api: AsyncApi) -> None:
    arp_id = router.add_row(
        "/ip/arp",
        address="10.0.0.7",
        mac_address="AA:BB:CC:00:11:22",
        interface="ether2",
        dynamic="true",
    )
    arp = api.path("ip", "arp")
    assert [row["dynamic"] async for row in arp] == [True]
    await call(api, "/ip/arp/make-static", **{".id": arp_id})
    [row] = [row async for row in arp]
    assert row["dynamic"] is False and row["mac-address"] == "AA:BB:CC:00:11:22"


async def test_seeded_sessions_can_be_listed_and_kicked(router: RouterEmulator, api: AsyncApi) -> None:
    router.add_row("/ppp/active", name="pepe", address="10.0.0.5", caller_id="AA:BB:CC:DD:EE:01")
    router.add_row("/ip/hotspot/active", user="ana", address="10.5.50.3")
    active = api.path("ppp", "active")
    sessions = await rows(active)
    assert [(s["name"], s["address"], s["service"]) for s in sessions] == [("pepe", "10.0.0.5", "pppoe")]
    await active.remove(sessions[0][".id"])
    assert router.rows("/ppp/active") == []
    assert [row["user"] async for row in api.path("ip", "hotspot", "active")] == ["ana"]


async def test_system_menus(router: RouterEmulator, api: AsyncApi) -> None:
    router.version = "7.16.2"
    [resource] = await rows(api.path("system", "resource"))
    assert resource["version"] == "7.16.2 (stable)"
    assert resource["board-name"] == "RB4011iGS+"
    assert isinstance(resource["uptime"], str) and resource["uptime"].endswith("s")
    assert ".id" not in resource
    await call(api, "/system/identity/set", name="Torre Norte")
    assert await rows(api.path("system", "identity")) == [{"name": "Torre Norte"}]


async def test_default_rows_and_value_normalisation(router: RouterEmulator, api: AsyncApi) -> None:
    profiles = {row["name"]: row[".id"] for row in await rows(api.path("ppp", "profile"))}
    assert profiles == {"default": "*0", "default-encryption": "*FFFFFFFE"}
    assert "pcq-download-default" in [row["name"] for row in await rows(api.path("queue", "type"))]
    q = api.path("queue", "simple")
    await q.add(target="10.0.0.9", **{"max-limit": "10M/2M", "limit-at": "512k/256k"})
    [queue] = await rows(q)
    assert queue["name"] == "queue1"
    assert queue["target"] == "10.0.0.9/32"
    assert (queue["max-limit"], queue["limit-at"]) == ("10000000/2000000", "512000/256000")
    with pytest.raises(TrapError, match="invalid value for argument max-limit"):
        await q.add(target="10.0.0.10", **{"max-limit": "fast"})


async def test_firewall_move_and_place_before(router: RouterEmulator, api: AsyncApi) -> None:
    nat = api.path("ip", "firewall", "nat")
    first = await nat.add(chain="srcnat", action="masquerade")
    second = await nat.add(chain="dstnat", action="dst-nat")
    third = await nat.add(chain="dstnat", action="redirect", **{"place-before": first})
    assert [r[".id"] for r in router.rows("/ip/firewall/nat")] == [third, first, second]
    await call(api, "/ip/firewall/nat/move", numbers=second, destination=third)
    assert [r[".id"] for r in router.rows("/ip/firewall/nat")] == [second, third, first]


# -- fault injection, counters, concurrency ------------------------------------------------


async def test_latency_is_honoured(router: RouterEmulator, api: AsyncApi) -> None:
    router.latency = 0.2
    started = time.perf_counter()
    await rows(api.path("ppp", "secret"))
    assert time.perf_counter() - started >= 0.2
    router.latency = 0


async def test_unreachable_router(router: RouterEmulator, connect: Connect) -> None:
    api = await connect()
    router.unreachable = True
    with pytest.raises((LibRouterosError, OSError)):
        await rows(api.path("ppp", "secret"))
    with pytest.raises((LibRouterosError, OSError)):
        await connect()
    router.unreachable = False
    again = await connect()
    assert await rows(again.path("ppp", "secret")) == []


async def test_drop_connections(router: RouterEmulator, api: AsyncApi) -> None:
    assert router.connection_count == 1
    router.drop_connections()
    with pytest.raises((ConnectionClosed, OSError)):
        await rows(api.path("ppp", "secret"))


async def test_fail_next(router: RouterEmulator, api: AsyncApi) -> None:
    lists = api.path("ip", "firewall", "address-list")
    router.fail_next("/ip/firewall/address-list/add", "failure: out of memory")
    with pytest.raises(TrapError) as caught:
        await lists.add(list="morosos", address="10.0.0.5")
    assert caught.value.message == "failure: out of memory"
    assert router.rows("/ip/firewall/address-list") == []
    await lists.add(list="morosos", address="10.0.0.5")  # only the next one failed
    router.fail_next("ip/firewall/address-list/print", "interrupted", category=2, times=2)
    for _ in range(2):
        with pytest.raises(TrapError) as caught:
            await rows(lists)
        assert caught.value.category == 2
    assert len(await rows(lists)) == 1


async def test_command_counting(router: RouterEmulator, connect: Connect) -> None:
    api = await connect()
    lists = api.path("ip", "firewall", "address-list")
    for i in range(3):
        await lists.add(list="morosos", address=f"10.0.0.{i}")
    await rows(lists)
    with pytest.raises(TrapError):
        await call(api, "/nope/print")
    assert router.command_count == 5  # /login is not counted
    assert router.command_counts["/ip/firewall/address-list/add"] == 3
    assert router.command_counts["/ip/firewall/address-list/print"] == 1
    assert "/login" not in router.command_counts
    assert router.history[0].attributes == {"list": "morosos", "address": "10.0.0.0"}
    router.reset_counts()
    assert router.command_count == 0 and not router.command_counts


async def test_concurrent_connections(router: RouterEmulator, connect: Connect) -> None:
    apis = await asyncio.gather(*(connect() for _ in range(4)))
    assert router.connection_count == 4

    async def worker(n: int, api: AsyncApi) -> list[str]:
        secrets = api.path("ppp", "secret")
        return [await secrets.add(name=f"c{n}-{i}") for i in range(50)]

    ids = await asyncio.gather(*(worker(n, api) for n, api in enumerate(apis)))
    all_ids = [rid for chunk in ids for rid in chunk]
    assert len(set(all_ids)) == 200
    assert len(router.rows("/ppp/secret")) == 200
    assert router.command_counts["/ppp/secret/add"] == 200


async def test_tags_are_echoed(router: RouterEmulator) -> None:
    assert router.port is not None
    reader, writer = await asyncio.open_connection("127.0.0.1", router.port)
    protocol = AsyncApiProtocol(AsyncSocketTransport(reader, writer), "utf8", timeout=5)
    await protocol.writeSentence("/login", "=name=admin", "=password=s3cret")
    assert await protocol.readSentence() == ("!done", ())
    await protocol.writeSentence("/system/identity/print", ".tag=7")
    assert await protocol.readSentence() == ("!re", ("=name=MikroTik", ".tag=7"))
    assert await protocol.readSentence() == ("!done", (".tag=7",))
    await protocol.writeSentence("/nope/print", ".tag=8")
    assert await protocol.readSentence() == ("!trap", ("=message=no such command prefix", ".tag=8"))
    assert await protocol.readSentence() == ("!done", (".tag=8",))
    await protocol.close()


async def test_python_helpers(router: RouterEmulator) -> None:
    rid = router.add_row("/ip/hotspot/user", name="ana", password="x")
    router.update_row("ip/hotspot/user", rid, limit_uptime="1h")
    assert router.find("/ip/hotspot/user", limit_uptime="1h")[0]["name"] == "ana"
    snapshot = router.tables
    assert snapshot["/ip/hotspot/user"][0]["limit-uptime"] == "1h"
    snapshot["/ip/hotspot/user"][0]["name"] = "changed"  # a copy: the router is not affected
    assert router.rows("/ip/hotspot/user")[0]["name"] == "ana"
    router.remove_row("/ip/hotspot/user", rid)
    assert router.rows("/ip/hotspot/user") == []
    with pytest.raises(KeyError):
        router.rows("/no/such/menu")


# -- speed and command line ----------------------------------------------------------------


def _start_cli(*args: str) -> tuple[subprocess.Popen[str], int]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "antena.core.routeros.emulator", "--port", str(port), *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip() == f"RouterOS API emulator listening on 127.0.0.1:{port}", proc.stderr
    return proc, port


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
async def test_two_thousand_adds_are_cheap_for_the_emulator() -> None:
    proc, port = _start_cli("--password", "pw")
    try:
        api = await librouteros.async_connect("127.0.0.1", "admin", "pw", port=port, encoding="utf8")
        lists = api.path("ip", "firewall", "address-list")
        before = _cpu_seconds(proc.pid)
        for i in range(2000):
            await lists.add(list="morosos", address=f"10.{i // 250}.{i % 250}.1", comment=f"client {i}")
        used = _cpu_seconds(proc.pid) - before
        assert [row async for row in api("/ip/firewall/address-list/print", **{"count-only": ""})] == [
            {"ret": 2000}
        ]
        await api.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert used < 0.75, f"emulator used {used:.2f}s of CPU for 2000 adds"


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
async def test_command_line_main(stop_signal: signal.Signals) -> None:
    proc, port = _start_cli("--username", "jefe", "--password", "clave", "--latency", "0.01")
    try:
        api = await librouteros.async_connect("127.0.0.1", "jefe", "clave", port=port, encoding="utf8")
        assert await rows(api.path("system", "identity")) == [{"name": "MikroTik"}]
        await api.close()
    finally:
        proc.send_signal(stop_signal)
        _, stderr = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert "Traceback" not in stderr


def test_command_line_reports_a_taken_port() -> None:
    port, done = run_on_taken_port("antena.core.routeros.emulator")
    assert done.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr
