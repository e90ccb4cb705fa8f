"""A customer's MikroTik (CPE) Wi-Fi through the RouterOS API: network name and WPA2 password.

RouterOS 6 keeps the name on each ``/interface/wireless`` interface and the password on the
security profile the interface uses; RouterOS 7's ``/interface/wifi`` keeps both on the interface
(``configuration.ssid``, ``security.passphrase``). Every wireless interface is changed, so a
dual-band device gets the same network on 2.4 GHz and 5 GHz.
"""

from __future__ import annotations

from antena.core.errors import RouterError
from antena.core.notes import note
from antena.core.routeros.client import RouterConnection
from antena.core.routeros.ops import RouterAccess

WIRELESS = "/interface/wireless"
PROFILES = "/interface/wireless/security-profiles"
WIFI = "/interface/wifi"


def major_version(version: str) -> int:
    """``"6.49.10 (stable)"`` → 6; unreadable → 7 (the current API)."""
    head = version.strip().split(".", 1)[0]
    return int(head) if head.isdigit() else 7


async def set_wifi(access: RouterAccess, ssid: str, password: str) -> str:
    """Set ``ssid``/``password`` on every wireless interface; returns what was changed.

    Raises :class:`RouterUnreachable` (cannot connect) or :class:`RouterError` (refused, or no
    wireless interface on the device)."""
    async with await RouterConnection.open(access) as conn:
        resource = await conn.print("/system/resource", proplist=("version",))
        version = resource[0].get("version", "") if resource else ""
        if major_version(version) < 7:
            names = await _set_v6(conn, ssid, password)
        else:
            names = await _set_v7(conn, ssid, password)
    return f"RouterOS {version.split(' ')[0] or '?'}: {', '.join(names)}"


async def _set_v6(conn: RouterConnection, ssid: str, password: str) -> list[str]:
    interfaces = await conn.select(WIRELESS, ".id", "name", "security-profile")
    if not interfaces:
        raise RouterError(note=note("no_wireless"))
    await conn.set(WIRELESS, [row[".id"] for row in interfaces], ssid=ssid)
    used = {row.get("security-profile") or "default" for row in interfaces}
    profiles = [row for row in await conn.select(PROFILES, ".id", "name") if row.get("name") in used]
    if not profiles:
        raise RouterError(note=note("no_security_profile"))
    await conn.set(
        PROFILES,
        [row[".id"] for row in profiles],
        mode="dynamic-keys",
        authentication_types="wpa2-psk",
        wpa2_pre_shared_key=password,
    )
    return [row.get("name", row[".id"]) for row in interfaces]


async def _set_v7(conn: RouterConnection, ssid: str, password: str) -> list[str]:
    interfaces = await conn.select(WIFI, ".id", "name")
    if not interfaces:
        raise RouterError(note=note("no_wireless"))
    props = {"configuration.ssid": ssid, "security.passphrase": password}
    await conn.set(WIFI, [row[".id"] for row in interfaces], **props)
    return [row.get("name", row[".id"]) for row in interfaces]
