"""Read-only views of a router a technician asks about: who is online, and the ARP table.

:func:`bind_ip_mac` is the one write here: it pins the MAC currently answering for an IP (a
static ARP entry), so the caller can store that MAC and interface with the client and the
router stops accepting another device on the same address.
"""

from __future__ import annotations

from dataclasses import dataclass

from antena.core.errors import NotFound, RouterError
from antena.core.routeros.client import RouterConnection, Row
from antena.core.routeros.services import HOTSPOT_ACTIVE, PPP_ACTIVE, is_true

ARP = "/ip/arp"


@dataclass(frozen=True)
class ActiveSession:
    """One logged-in subscriber: ``service`` is ``pppoe`` or ``hotspot``."""

    service: str
    id: str
    name: str
    address: str
    uptime: str
    caller_id: str  # PPPoE caller-id (the client's MAC) or the Hotspot session's MAC


@dataclass(frozen=True)
class ArpEntry:
    id: str
    address: str
    mac: str
    interface: str
    dynamic: bool
    complete: bool


async def ppp_sessions(conn: RouterConnection, name: str | None = None) -> list[ActiveSession]:
    """``/ppp/active``: every session, or those of one user."""
    query = {"name": name} if name is not None else {}
    rows = await conn.print(PPP_ACTIVE, proplist=(".id", "name", "address", "uptime", "caller-id"), **query)
    return [
        ActiveSession(
            "pppoe",
            row[".id"],
            row.get("name", ""),
            row.get("address", ""),
            row.get("uptime", ""),
            row.get("caller-id", ""),
        )
        for row in rows
    ]


async def hotspot_sessions(conn: RouterConnection, user: str | None = None) -> list[ActiveSession]:
    """``/ip/hotspot/active``: every session, or those of one user."""
    query = {"user": user} if user is not None else {}
    rows = await conn.print(
        HOTSPOT_ACTIVE, proplist=(".id", "user", "address", "uptime", "mac-address"), **query
    )
    return [
        ActiveSession(
            "hotspot",
            row[".id"],
            row.get("user", ""),
            row.get("address", ""),
            row.get("uptime", ""),
            row.get("mac-address", ""),
        )
        for row in rows
    ]


def _arp(row: Row) -> ArpEntry:
    return ArpEntry(
        id=row[".id"],
        address=row.get("address", ""),
        mac=row.get("mac-address", "").upper(),
        interface=row.get("interface", ""),
        dynamic=is_true(row.get("dynamic")),
        complete=is_true(row.get("complete", "true")) and bool(row.get("mac-address")),
    )


async def arp_table(conn: RouterConnection, address: str | None = None) -> list[ArpEntry]:
    """``/ip/arp``: the whole table, or the entries for one address."""
    query = {"address": address} if address is not None else {}
    return [_arp(row) for row in await conn.print(ARP, **query)]


async def bind_ip_mac(conn: RouterConnection, ip: str) -> tuple[str, str]:
    """Make the ARP entry for ``ip`` static; returns ``(mac, interface)`` to store.

    Raises :class:`NotFound` when no device with a known MAC answers for that IP right now.
    """
    entries = [entry for entry in await arp_table(conn, ip) if entry.complete]
    if not entries:
        raise NotFound(f"no device answers for {ip} in the ARP table")
    entry = next((e for e in entries if not e.dynamic), entries[0])
    if entry.dynamic:
        try:
            await conn.call(f"{ARP}/make-static", **{".id": entry.id})
        except RouterError as exc:
            if "no such command" not in exc.message:
                raise
            # A RouterOS without make-static: replace the dynamic entry with a static one.
            await conn.remove(ARP, entry.id)
            await conn.add(ARP, address=entry.address, mac_address=entry.mac, interface=entry.interface)
    return entry.mac, entry.interface
