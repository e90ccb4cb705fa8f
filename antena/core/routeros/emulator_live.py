"""A busy network behind the RouterOS API emulator: subscribers online, traffic, counters that grow.

Why: ``/online``, ``/trafico``, ``/torch``, the usage sampler and the demo need a router whose
subscribers actually connect and move bytes, the way a MikroTik shows them. Attach it to an
emulator (``attach(emulator)``; off by default so tests of the plain tables see exactly what they
seeded) and, each time a client reads ``/ppp/active``, ``/ip/hotspot/active``, ``/queue/simple`` or
``/ip/arp``:

- every enabled PPP secret has a session (a dropped one redials after ``redial`` seconds) and a
  dynamic queue ``<pppoe-NAME>``; every enabled Hotspot user is logged in with ``<hotspot-NAME>``;
- every queue's ``bytes`` (``upload/download``, RouterOS' order) grows with the subscriber's rate,
  which wanders around a per-subscriber average; a suspended address barely moves;
- the addresses of static queues, PCQ lists and Hotspot users answer ARP on ``bridge-lan``.

:func:`reboot` restarts the router: sessions, dynamic queues and every counter start from zero.
The traffic model (:func:`rates`, :func:`flows`) also feeds the streaming commands in
:mod:`antena.core.routeros.emulator_stream`, attached or not.
"""

from __future__ import annotations

import ipaddress
import math
import random
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from antena.core.routeros.emulator_tables import Row

if TYPE_CHECKING:
    from antena.core.routeros.emulator import RouterEmulator

PPP_SECRET, PPP_ACTIVE = "/ppp/secret", "/ppp/active"
HOTSPOT_USER, HOTSPOT_ACTIVE = "/ip/hotspot/user", "/ip/hotspot/active"
QUEUE, ARP, ADDRESS_LIST = "/queue/simple", "/ip/arp", "/ip/firewall/address-list"
LAN = "bridge-lan"
STATIC_INTERFACES = frozenset({"ether1", "ether2", "ether3", "ether4", "ether5", "sfp1", "wlan1", LAN})
WATCHED = frozenset({PPP_ACTIVE, HOTSPOT_ACTIVE, QUEUE, ARP})

_LIVE: WeakKeyDictionary[RouterEmulator, LiveNetwork] = WeakKeyDictionary()


def _hash(text: str) -> int:
    return zlib.crc32(text.encode())


def mac_for(key: str) -> str:
    """A stable, locally administered MAC for a subscriber."""
    h = _hash("mac:" + key)
    octets = [0x02, (h >> 24) & 0xFF, (h >> 16) & 0xFF, (h >> 8) & 0xFF, h & 0xFF, _hash(key) & 0xFF]
    return ":".join(f"{octet:02X}" for octet in octets)


def format_uptime(seconds: float) -> str:
    remaining, parts = int(seconds), []
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        amount, remaining = divmod(remaining, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return "".join(parts) or "0s"


def rates(key: str, now: float | None = None, *, suspended: bool = False) -> tuple[int, int]:
    """``(download, upload)`` in bits per second for a subscriber right now: a per-subscriber
    average (0.3–4 Mbit/s down) that wanders over a minute or so."""
    now = time.time() if now is None else now
    h = _hash(key)
    average = 300_000 + h % 3_700_000
    phase = (h % 628) / 100
    wave = 0.6 + 0.4 * math.sin(now / (30 + h % 40) + phase)
    jitter = random.Random(h ^ int(now)).uniform(0.85, 1.15)
    down = int(average * wave * jitter * (0.02 if suspended else 1))
    return down, max(1, down // 4 + h % 20_000)


#: Remote ends a home connection talks to: (address, port, protocol, share of the traffic).
_PEERS = (
    ("142.250.64.78", 443, "tcp", 0.34),  # video
    ("157.240.19.35", 443, "tcp", 0.18),  # social
    ("23.246.2.140", 443, "tcp", 0.16),  # streaming
    ("17.253.4.125", 443, "tcp", 0.1),
    ("140.82.113.26", 443, "tcp", 0.07),
    ("52.114.128.7", 3478, "udp", 0.06),  # a call
    ("8.8.8.8", 53, "udp", 0.01),
    ("104.16.249.249", 80, "tcp", 0.08),
)


@dataclass(frozen=True)
class Flow:
    protocol: str
    local: str
    local_port: int
    remote: str
    remote_port: int
    down_bps: int
    up_bps: int


def flows(key: str, local: str, now: float | None = None, *, suspended: bool = False) -> list[Flow]:
    """The subscriber's connections right now, biggest first (what ``/tool/torch`` shows)."""
    down, up = rates(key, now, suspended=suspended)
    pick = random.Random(_hash(key))
    peers = pick.sample(_PEERS, k=5 + _hash(key) % 3)
    total = sum(share for *_rest, share in peers)
    out = [
        Flow(proto, local, 49152 + pick.randrange(16000), remote, port,
             int(down * share / total), int(up * share / total))
        for remote, port, proto, share in peers
    ]  # fmt: skip
    return sorted(out, key=lambda f: f.down_bps + f.up_bps, reverse=True)


@dataclass
class _Session:
    row_id: str
    started: float


@dataclass
class LiveNetwork:
    """The moving parts of one emulated router (see the module docstring)."""

    emulator: RouterEmulator
    redial: float = 3.0
    suspend_list: str = "morosos"
    clock: Callable[[], float] = field(default=time.monotonic)
    _last: float = field(default=0.0, init=False)
    _ppp: dict[str, _Session] = field(default_factory=dict, init=False)
    _hotspot: dict[str, _Session] = field(default_factory=dict, init=False)
    _gone: dict[str, float] = field(default_factory=dict, init=False)  # "ppp:juan" → when it dropped

    def now(self) -> float:
        return float(self.clock())

    def refresh(self, path: str) -> None:
        if path in WATCHED:
            self.sync()

    # -- sessions ------------------------------------------------------------------------------

    def sync(self) -> None:
        now = self.now()
        elapsed, self._last = (now - self._last if self._last else 0.0), now
        self._sessions(now, PPP_SECRET, PPP_ACTIVE, self._ppp, "ppp")
        self._sessions(now, HOTSPOT_USER, HOTSPOT_ACTIVE, self._hotspot, "hotspot")
        self._dynamic_queues()
        self._grow(elapsed)
        self._arp()

    def _sessions(self, now: float, users: str, active: str, live: dict[str, _Session], kind: str) -> None:
        emu = self.emulator
        table = emu.table(active)
        wanted = {
            row["name"]: row
            for row in emu.table(users).rows()
            if row.get("disabled") != "true" and row["name"]
        }
        for name, session in list(live.items()):
            if table.get(session.row_id) is None or name not in wanted:  # dropped, or user gone/disabled
                del live[name]
                self._gone[f"{kind}:{name}"] = now
                if table.get(session.row_id) is not None:
                    table.remove([session.row_id])
        for row in table.rows():
            current = live.get(row.get("name") or row.get("user") or "")
            if current is not None and current.row_id == row[".id"]:
                row["uptime"] = format_uptime(now - current.started)
        for name, user in wanted.items():
            if name in live or now - self._gone.get(f"{kind}:{name}", -1e9) < self.redial:
                continue
            address = (user.get("remote-address") or user.get("address") or "").split("/")[0]
            address = address or _pool_address(kind, name)
            if kind == "ppp":
                row_id = table.add({"name": name, "address": address, "caller-id": mac_for(name),
                                    "service": "pppoe", "uptime": "0s"})  # fmt: skip
            else:
                mac = user.get("mac-address") or mac_for(name)
                row_id = table.add({"user": name, "address": address, "mac-address": mac, "uptime": "0s"})
            live[name] = _Session(row_id, now)

    def _dynamic_queues(self) -> None:
        queues = self.emulator.table(QUEUE)
        active = {f"<pppoe-{row['name']}>": row for row in self.emulator.table(PPP_ACTIVE).rows()}
        active.update({f"<hotspot-{row['user']}>": row for row in self.emulator.table(HOTSPOT_ACTIVE).rows()})
        present = {row["name"]: row for row in queues.rows() if row.get("dynamic") == "true"}
        gone = [row[".id"] for name, row in present.items() if name not in active]
        if gone:
            queues.remove(gone)
        for name, session in active.items():
            if name not in present and session.get("address"):
                queues.add({"name": name, "target": session["address"], "dynamic": "true"})

    def _grow(self, elapsed: float) -> None:
        if elapsed <= 0:
            return
        suspended = self.suspended()
        wall = time.time()
        for row in self.emulator.table(QUEUE).rows():
            if row.get("disabled") == "true":
                continue
            address = row.get("target", "").split("/")[0]
            down, up = rates(row.get("name", ""), wall, suspended=address in suspended)
            bytes_up, bytes_down = _pair(row.get("bytes"))
            row["bytes"] = f"{bytes_up + int(up * elapsed / 8)}/{bytes_down + int(down * elapsed / 8)}"
            packets_up, packets_down = _pair(row.get("packets"))
            row["packets"] = (
                f"{packets_up + int(up * elapsed / 6400)}/{packets_down + int(down * elapsed / 9600)}"
            )
            row["rate"] = f"{up}/{down}"

    def _arp(self) -> None:
        emu = self.emulator
        arp = emu.table(ARP)
        known = {row.get("address") for row in arp.rows()}
        addresses = [row.get("target", "").split("/")[0] for row in emu.table(QUEUE).rows()
                     if row.get("dynamic") != "true"]  # fmt: skip
        addresses += [row.get("address", "") for row in emu.table(HOTSPOT_USER).rows()]
        addresses += [row.get("address", "") for row in emu.table(ADDRESS_LIST).rows()
                      if row.get("list") != self.suspend_list]  # fmt: skip
        for address in addresses:
            if address and address not in known and _is_host(address):
                arp.add(
                    {"address": address, "mac-address": mac_for(address), "interface": LAN, "dynamic": "true"}
                )
                known.add(address)

    def suspended(self) -> set[str]:
        return {row.get("address", "") for row in self.emulator.table(ADDRESS_LIST).rows()
                if row.get("list") == self.suspend_list}  # fmt: skip

    def reboot(self) -> None:
        """Restart: every session and dynamic queue goes, every counter starts again at zero."""
        emu = self.emulator
        for path in (PPP_ACTIVE, HOTSPOT_ACTIVE):
            emu.table(path).clear()
        queues = emu.table(QUEUE)
        queues.remove([row[".id"] for row in queues.rows() if row.get("dynamic") == "true"])
        for row in queues.rows():
            row.update({"bytes": "0/0", "packets": "0/0", "rate": "0/0"})
        self._ppp.clear()
        self._hotspot.clear()
        self._gone.clear()
        self._last = self.now()
        emu.set_uptime(0)


def _pair(value: str | None) -> tuple[int, int]:
    left, _, right = (value or "0/0").partition("/")
    try:
        return int(left or 0), int(right or 0)
    except ValueError:
        return 0, 0


def _is_host(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def _pool_address(kind: str, name: str) -> str:
    h = _hash(f"{kind}:{name}")
    return f"10.{99 if kind == 'ppp' else 98}.{(h >> 8) % 250}.{h % 250 + 2}"


def attach(emulator: RouterEmulator, **options: object) -> LiveNetwork:
    """Make ``emulator`` a busy router (idempotent: a second call returns the same network)."""
    live = _LIVE.get(emulator)
    if live is None:
        live = LiveNetwork(emulator, **options)  # type: ignore[arg-type]
        _LIVE[emulator] = live
        emulator.refreshers.append(live.refresh)
    return live


def live_of(emulator: RouterEmulator) -> LiveNetwork | None:
    return _LIVE.get(emulator)


def reboot(emulator: RouterEmulator) -> None:
    """Restart the router: with a live network its sessions and counters too, else only uptime."""
    live = _LIVE.get(emulator)
    if live is not None:
        live.reboot()
        return
    queues = emulator.table(QUEUE)
    for row in queues.rows():
        row["bytes"] = "0/0"
    emulator.set_uptime(0)


def subscriber_of(emulator: RouterEmulator, interface: str, address: str | None) -> tuple[str, str] | None:
    """Whose traffic an interface (``<pppoe-juan>``) or a LAN address carries: ``(key, address)``."""
    if interface.startswith("<pppoe-") and interface.endswith(">"):
        name = interface[len("<pppoe-") : -1]
        row = next((r for r in emulator.table(PPP_ACTIVE).rows() if r.get("name") == name), None)
        return None if row is None else (f"<pppoe-{name}>", row.get("address", ""))
    if address:
        queue = next((r for r in emulator.table(QUEUE).rows()
                      if r.get("target", "").split("/")[0] == address), None)  # fmt: skip
        return (queue.get("name", address) if queue else address), address
    return None


def interface_exists(emulator: RouterEmulator, name: str) -> bool:
    if name in STATIC_INTERFACES:
        return True
    return subscriber_of(emulator, name, None) is not None


def reachable(emulator: RouterEmulator, address: str) -> bool:
    """Whether ``/ping`` gets answers: a subscriber we know, or any public address."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if ip.is_global:
        return True
    rows: list[Row] = [*emulator.table(PPP_ACTIVE).rows(), *emulator.table(HOTSPOT_ACTIVE).rows(),
                       *emulator.table(ARP).rows()]  # fmt: skip
    if any(row.get("address") == address for row in rows):
        return True
    return any(row.get("target", "").split("/")[0] == address for row in emulator.table(QUEUE).rows())


def is_suspended(emulator: RouterEmulator, address: str, suspend_list: str = "morosos") -> bool:
    return any(row.get("address") == address and row.get("list") == suspend_list
               for row in emulator.table(ADDRESS_LIST).rows())  # fmt: skip
