"""Blocking rules, active sessions and ARP binding, against the emulator over TCP."""

from __future__ import annotations

import pytest

from antena.core.errors import NotFound
from antena.core.routeros.client import RouterConnection
from antena.core.routeros.emulator import RouterEmulator
from antena.core.routeros.inspect import arp_table, bind_ip_mac, hotspot_sessions, ppp_sessions
from antena.core.routeros.rules import install_block_rules

# -- blocking rules ------------------------------------------------------------------------


async def test_block_rules_installed_once(emu: RouterEmulator, conn: RouterConnection) -> None:
    existing = emu.add_row(
        "/ip/firewall/filter", chain="forward", action="accept", connection_state="established"
    )
    report = await install_block_rules(conn, "morosos", "192.0.2.10", 8080)
    assert report.added == [
        "antena:block-dns-udp", "antena:block-dns-tcp", "antena:block-portal", "antena:block-drop",
        "antena:block-portal-redirect",
    ]  # fmt: skip
    filters = emu.rows("/ip/firewall/filter")
    # ours first, in order (accepts before the drop), then what was there
    assert [r.get("comment") for r in filters] == [*report.added[:4], None]
    assert filters[-1][".id"] == existing
    dns, _, portal, drop = filters[:4]
    assert (dns["src-address-list"], dns["protocol"], dns["dst-port"], dns["action"]) == (
        "morosos",
        "udp",
        "53",
        "accept",
    )
    assert (portal["dst-address"], portal["dst-port"], portal["action"]) == ("192.0.2.10", "8080", "accept")
    assert drop["action"] == "drop" and drop["chain"] == "forward" and "protocol" not in drop
    [nat] = emu.rows("/ip/firewall/nat")
    assert {k: nat[k] for k in ("chain", "src-address-list", "protocol", "dst-port", "action", "to-addresses", "to-ports")} == {
        "chain": "dstnat", "src-address-list": "morosos", "protocol": "tcp", "dst-port": "80",
        "action": "dst-nat", "to-addresses": "192.0.2.10", "to-ports": "8080",
    }  # fmt: skip

    emu.reset_counts()
    again = await install_block_rules(conn, "morosos", "192.0.2.10", 8080)
    assert again.added == [] and again.updated == [] and len(again.present) == 5
    assert len(emu.rows("/ip/firewall/filter")) == 5 and len(emu.rows("/ip/firewall/nat")) == 1
    assert emu.command_count == 2  # one print per table


async def test_block_rules_repaired_when_edited(emu: RouterEmulator, conn: RouterConnection) -> None:
    await install_block_rules(conn, "morosos", "192.0.2.10")
    drop = emu.find("/ip/firewall/filter", comment="antena:block-drop")[0]
    emu.update_row("/ip/firewall/filter", drop[".id"], disabled="yes")
    report = await install_block_rules(conn, "morosos", "192.0.2.99")  # the portal moved
    assert sorted(report.updated) == [
        "antena:block-drop",
        "antena:block-portal",
        "antena:block-portal-redirect",
    ]
    assert emu.find("/ip/firewall/filter", comment="antena:block-drop")[0]["disabled"] == "false"
    assert emu.rows("/ip/firewall/nat")[0]["to-addresses"] == "192.0.2.99"


# -- sessions and ARP ----------------------------------------------------------------------


async def test_active_sessions(emu: RouterEmulator, conn: RouterConnection) -> None:
    emu.add_row("/ppp/active", name="Peña", address="10.0.0.5", caller_id="AA:BB:CC:DD:EE:01", uptime="1h2m")
    emu.add_row("/ppp/active", name="otro", address="10.0.0.6")
    emu.add_row("/ip/hotspot/active", user="ana", address="10.5.50.3", mac_address="AA:BB:CC:00:11:22")
    sessions = await ppp_sessions(conn)
    assert [(s.service, s.name, s.address, s.uptime, s.caller_id) for s in sessions] == [
        ("pppoe", "Peña", "10.0.0.5", "1h2m", "AA:BB:CC:DD:EE:01"),
        ("pppoe", "otro", "10.0.0.6", "0s", ""),
    ]
    assert [s.name for s in await ppp_sessions(conn, "Peña")] == ["Peña"]
    [hotspot] = await hotspot_sessions(conn)
    assert (hotspot.service, hotspot.name, hotspot.address, hotspot.caller_id) == (
        "hotspot", "ana", "10.5.50.3", "AA:BB:CC:00:11:22",
    )  # fmt: skip
    assert await hotspot_sessions(conn, "nadie") == []


async def test_arp_table_and_bind(emu: RouterEmulator, conn: RouterConnection) -> None:
    arp_id = emu.add_row(
        "/ip/arp", address="10.0.0.7", mac_address="aa:bb:cc:00:11:22", interface="ether2", dynamic="true"
    )
    emu.add_row("/ip/arp", address="10.0.0.8", interface="ether2", dynamic="true", complete="false")
    table = await arp_table(conn)
    assert [(e.address, e.mac, e.dynamic, e.complete) for e in table] == [
        ("10.0.0.7", "AA:BB:CC:00:11:22", True, True),
        ("10.0.0.8", "", True, False),
    ]
    assert await bind_ip_mac(conn, "10.0.0.7") == ("AA:BB:CC:00:11:22", "ether2")
    assert emu.row("/ip/arp", arp_id)["dynamic"] == "false"  # type: ignore[index]
    assert emu.command_counts["/ip/arp/make-static"] == 1
    emu.reset_counts()
    assert await bind_ip_mac(conn, "10.0.0.7") == ("AA:BB:CC:00:11:22", "ether2")  # already static
    assert emu.command_counts["/ip/arp/make-static"] == 0
    with pytest.raises(NotFound, match=r"10\.0\.0\.8"):
        await bind_ip_mac(conn, "10.0.0.8")  # no MAC known yet
    with pytest.raises(NotFound, match=r"10\.0\.0\.9"):
        await bind_ip_mac(conn, "10.0.0.9")
