"""RouterConnection against the emulator over TCP: commands, error translation, pool, API-SSL."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import subprocess
from pathlib import Path

import pytest

from antena.core.errors import RouterError, RouterLoginRefused, RouterUnreachable
from antena.core.i18n import set_language
from antena.core.routeros.client import RouterConnection, eq, ne, open_connections, or_, tls_context
from antena.core.routeros.emulator import RouterEmulator
from antena.core.routeros.ops import RouterAccess
from tests.helpers import free_port


@pytest.fixture(autouse=True)
def _english() -> None:
    """Errors render in the reader's language; these tests read English."""
    set_language("en")


async def test_add_print_set_remove_and_values_kept_as_text(
    emu: RouterEmulator, conn: RouterConnection
) -> None:
    emu.add_row("/ppp/profile", name="10M")  # RouterOS refuses a secret naming a missing profile
    first = await conn.add(
        "/ppp/secret", name="Peña Núñez", password="yes", profile="10M", comment="antena:1"
    )
    second = await conn.add("/ppp/secret", name="42", password="x", comment="antena:2")
    assert (first, second) == ("*1", "*2")
    [row] = await conn.print("/ppp/secret", name="Peña Núñez")
    # librouteros' high-level API would hand back True (and the int 42 below)
    assert row["password"] == "yes" and row["disabled"] == "false"
    assert [r["name"] for r in await conn.select("/ppp/secret", "name", where=eq("comment", "antena:2"))] == [
        "42"
    ]
    await conn.set("/ppp/secret", first, remote_address="10.0.0.5", disabled=True)
    assert emu.find("/ppp/secret", name="Peña Núñez")[0]["remote-address"] == "10.0.0.5"
    assert emu.find("/ppp/secret", name="Peña Núñez")[0]["disabled"] == "true"
    await conn.unset("/ppp/secret", first, "remote-address")
    assert "remote-address" not in emu.find("/ppp/secret", name="Peña Núñez")[0]
    assert conn.commands == 6 == emu.command_count


async def test_query_helpers(emu: RouterEmulator, conn: RouterConnection) -> None:
    for i, comment in enumerate(["antena:1", "antena:2", "manual"], start=1):
        emu.add_row("/ip/firewall/address-list", list="morosos", address=f"10.0.0.{i}", comment=comment)
    emu.add_row("/ip/firewall/address-list", list="plan", address="10.0.0.1", comment="antena:1")
    rows = await conn.print(
        "/ip/firewall/address-list", where=(*eq("comment", "antena:1"), *ne("list", "morosos"))
    )
    assert [(r["list"], r["address"]) for r in rows] == [("plan", "10.0.0.1")]
    rows = await conn.print(
        "/ip/firewall/address-list",
        proplist=(".id", "address"),
        where=(*eq("list", "morosos"), *or_(eq("comment", "manual"), eq("address", "10.0.0.2"))),
    )
    assert rows == [{".id": "*2", "address": "10.0.0.2"}, {".id": "*3", "address": "10.0.0.3"}]


async def test_remove_many_rows_with_one_command(emu: RouterEmulator, conn: RouterConnection) -> None:
    ids = [emu.add_row("/ppp/active", name=f"u{i}") for i in range(50)]
    emu.reset_counts()
    await conn.remove("/ppp/active", *ids)
    assert emu.rows("/ppp/active") == []
    assert emu.command_counts["/ppp/active/remove"] == 1


async def test_trap_becomes_router_error_and_connection_stays_usable(conn: RouterConnection) -> None:
    await conn.add("/ppp/secret", name="ana")
    with pytest.raises(RouterError) as caught:
        await conn.add("/ppp/secret", name="ana")
    assert caught.type is RouterError
    assert str(caught.value) == "failure: secret with the same name already exists"
    with pytest.raises(RouterError, match="no such item"):
        await conn.remove("/ppp/secret", "*99")
    assert len(await conn.print("/ppp/secret")) == 1
    assert conn.usable


async def test_commands_on_one_connection_are_serialised(emu: RouterEmulator, conn: RouterConnection) -> None:
    emu.latency = 0.01
    ids = await asyncio.gather(
        *(conn.add("/queue/simple", name=f"q{i}", target=f"10.0.1.{i}") for i in range(20))
    )
    assert sorted(ids, key=lambda x: int(x[1:], 16)) == [f"*{i:X}" for i in range(1, 21)]
    assert len(emu.rows("/queue/simple")) == 20


async def test_connection_refused() -> None:
    access = RouterAccess(1, "off", "127.0.0.1", free_port(), "admin", "", timeout=2)
    with pytest.raises(RouterUnreachable) as caught:
        await RouterConnection.open(access)
    assert caught.value.message == "connection refused"
    assert isinstance(caught.value.__cause__, OSError)


async def test_wrong_password_is_told_apart_and_still_queued(access: RouterAccess) -> None:
    """A refused login is a RouterUnreachable (changes stay queued) of its own kind: retried on a
    slow schedule and reported as the router refusing the user or password."""
    bad = RouterAccess(**{**access.__dict__, "password": "nope"})
    with pytest.raises(RouterLoginRefused, match=r"^core refused the user name or password \(login: invalid"):
        await RouterConnection.open(bad)
    assert issubclass(RouterLoginRefused, RouterUnreachable)


async def test_latency_beyond_timeout_is_a_timeout(emu: RouterEmulator, access: RouterAccess) -> None:
    conn = await RouterConnection.open(RouterAccess(**{**access.__dict__, "timeout": 0.2}))
    emu.latency = 0.5
    with pytest.raises(RouterUnreachable) as caught:
        await conn.print("/ppp/secret")
    assert caught.value.message == "timeout after 0.2 s"
    assert not conn.usable
    with pytest.raises(RouterUnreachable):  # never reuse a stream that is out of step
        await conn.print("/ppp/secret")
    await conn.close()
    with pytest.raises(RouterUnreachable, match=r"timeout after 0\.2 s"):  # the login is bounded too
        await RouterConnection.open(RouterAccess(**{**access.__dict__, "timeout": 0.2}))


async def test_latency_within_timeout_is_honoured(emu: RouterEmulator, conn: RouterConnection) -> None:
    emu.latency = 0.05
    loop = asyncio.get_running_loop()
    start = loop.time()
    await conn.print("/ppp/secret")
    await conn.print("/ppp/secret")
    assert loop.time() - start >= 0.1


async def test_dropped_and_unreachable_router(emu: RouterEmulator, access: RouterAccess) -> None:
    conn = await RouterConnection.open(access)
    emu.drop_connections()
    with pytest.raises(RouterUnreachable, match=r"^connection lost$"):
        await conn.print("/ppp/secret")
    emu.unreachable = True
    with pytest.raises(RouterUnreachable, match="connection closed by the router"):
        await RouterConnection.open(access)


async def test_pool_opens_parallel_sessions_and_counts(emu: RouterEmulator, access: RouterAccess) -> None:
    emu.latency = 0.05
    async with open_connections(access, 4) as pool:
        assert len(pool) == 4 and emu.connection_count == 4
        loop = asyncio.get_running_loop()
        start = loop.time()
        await asyncio.gather(*(pool[i].print("/ppp/secret") for i in range(4)))
        assert loop.time() - start < 0.15  # in parallel, not 4 × 50 ms
        assert pool.counter.count == 4 == emu.command_count
    await asyncio.sleep(0.05)
    assert emu.connection_count == 0


async def test_pool_on_dead_router() -> None:
    access = RouterAccess(1, "off", "127.0.0.1", free_port(), "admin", "", timeout=2)
    with pytest.raises(RouterUnreachable, match="connection refused"):
        async with open_connections(access, 3):
            pass


# -- API-SSL: a TLS terminator with a self-signed certificate in front of the emulator -------


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    try:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=router",
             "-keyout", str(key), "-out", str(cert)],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        pytest.skip("openssl is not available to make a test certificate")
    return cert, key


async def test_api_ssl_with_self_signed_certificate(
    emu: RouterEmulator, access: RouterAccess, certificate: tuple[Path, Path]
) -> None:
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(*certificate)

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def terminate(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", emu.port)
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    server = await asyncio.start_server(terminate, "127.0.0.1", 0, ssl=server_context)
    port = server.sockets[0].getsockname()[1]
    tls = RouterAccess(**{**access.__dict__, "port": port, "use_tls": True})
    try:
        async with await RouterConnection.open(tls) as conn:  # self-signed: accepted by default
            await conn.add("/ppp/secret", name="Peña")
            assert [r["name"] for r in await conn.print("/ppp/secret")] == ["Peña"]
        with pytest.raises(RouterUnreachable, match="TLS error"):
            await RouterConnection.open(tls, ssl_context=tls_context(verify=True))
    finally:
        server.close()
