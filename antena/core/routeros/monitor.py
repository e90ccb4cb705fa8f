"""Live reads a technician asks a router for: its health, a client's rate and flows, a ping, and
every queue's counters. Read-only; the streaming ones go through :mod:`streaming` (bounded, then
cancelled by tag). Values come back parsed into plain numbers, as the router measured them.
"""

from __future__ import annotations

import asyncio
import re
from collections import defaultdict
from dataclasses import dataclass

from antena.core.notes import Note
from antena.core.routeros.client import RouterConnection, Row
from antena.core.routeros.streaming import StreamResult, stream

QUEUE = "/queue/simple"
RESOURCE = "/system/resource"
IDENTITY = "/system/identity"
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(us|ms|w|d|h|m|s)")
_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0, "d": 86_400_000.0,
       "w": 604_800_000.0}  # fmt: skip


def duration_ms(text: str | None) -> float | None:
    """RouterOS durations (``2ms673us``, ``13ms``, ``1h2m3s``, ``00:01:02``) in milliseconds."""
    if not text:
        return None
    if ":" in text:
        try:
            parts = [float(p) for p in text.split(":")]
        except ValueError:
            return None
        seconds = 0.0
        for part in parts:
            seconds = seconds * 60 + part
        return seconds * 1000
    found = _DURATION.findall(text)
    if not found:
        return None
    return sum(float(number) * _MS[unit] for number, unit in found)


def _int(value: str | None) -> int:
    try:
        return int(float(value or 0))
    except ValueError:
        return 0


def pair(value: str | None) -> tuple[int, int]:
    """``"123/456"`` (a queue's ``bytes``/``rate``: target upload/download) → ``(123, 456)``."""
    left, _, right = (value or "").partition("/")
    return _int(left), _int(right)


# -- health -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Health:
    identity: str
    version: str
    board: str
    uptime: str
    uptime_seconds: float
    cpu_load: int  # percent
    free_memory: int  # bytes
    total_memory: int


async def health(conn: RouterConnection) -> Health:
    """``/system/resource`` and ``/system/identity``: two reads."""
    resource = (await conn.print(RESOURCE) or [{}])[0]
    identity = (await conn.print(IDENTITY) or [{}])[0]
    return Health(
        identity=identity.get("name", ""),
        version=resource.get("version", "").split(" ")[0],
        board=resource.get("board-name", ""),
        uptime=resource.get("uptime", ""),
        uptime_seconds=(duration_ms(resource.get("uptime")) or 0) / 1000,
        cpu_load=_int(resource.get("cpu-load")),
        free_memory=_int(resource.get("free-memory")),
        total_memory=_int(resource.get("total-memory")),
    )


async def uptime_seconds(conn: RouterConnection) -> float | None:
    rows = await conn.print(RESOURCE, proplist=("uptime",))
    value = duration_ms(rows[0].get("uptime")) if rows else None
    return None if value is None else value / 1000


# -- counters -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueCounters:
    id: str
    name: str
    target: str  # first address of the target, without the prefix
    comment: str
    dynamic: bool
    bytes_up: int  # from the target (its upload)
    bytes_down: int  # to the target


async def queue_counters(conn: RouterConnection) -> list[QueueCounters]:
    """Every simple queue's byte counters with ONE print (never one per client)."""
    rows = await conn.print(QUEUE, proplist=(".id", "name", "target", "comment", "dynamic", "bytes"))
    out = []
    for row in rows:
        up, down = pair(row.get("bytes"))
        target = row.get("target", "").split(",")[0].split("/")[0]
        dynamic = row.get("dynamic", "").lower() in ("true", "yes")
        out.append(QueueCounters(row.get(".id", ""), row.get("name", ""), target, row.get("comment", ""),
                                 dynamic, up, down))  # fmt: skip
    return out


# -- rates --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RateSample:
    second: int  # 0, 1, 2 … from the start
    down_bps: int  # to the client
    up_bps: int  # from the client


@dataclass(frozen=True)
class Rates:
    samples: list[RateSample]
    interrupted: Note | None = None


async def interface_rates(conn: RouterConnection, interface: str, seconds: float) -> Rates:
    """``/interface/monitor-traffic`` on a client's own interface (``<pppoe-juan>``): the router
    transmits what the client downloads."""
    result = await stream(conn, "/interface/monitor-traffic", [f"=interface={interface}"], seconds=seconds)
    samples = [
        RateSample(n, _int(row.get("tx-bits-per-second")), _int(row.get("rx-bits-per-second")))
        for n, row in enumerate(result.rows[: max(1, int(seconds))])
    ]
    return Rates(samples, result.interrupted)


async def queue_rates(conn: RouterConnection, queue_id: str, seconds: int) -> Rates:
    """A queue's ``rate`` (target upload/download), read once a second: queues do not stream."""
    samples = []
    for n in range(max(1, seconds)):
        rows = await conn.print(QUEUE, proplist=("rate",), where=(f"?.id={queue_id}",))
        up, down = pair(rows[0].get("rate")) if rows else (0, 0)
        samples.append(RateSample(n, down, up))
        if n + 1 < seconds:
            await asyncio.sleep(1.0)
    return Rates(samples)


# -- torch --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FlowRate:
    protocol: str
    local: str
    local_port: str
    remote: str
    remote_port: str
    down_bps: int  # averaged over the seconds the flow was seen
    up_bps: int


@dataclass(frozen=True)
class Torch:
    flows: list[FlowRate]  # biggest first
    seconds: int  # snapshots (sections) read
    interrupted: Note | None = None
    per_second: tuple[tuple[int, int], ...] = ()  # (down, up) of all flows, one per snapshot


def _flows(result: StreamResult) -> Torch:
    totals: dict[tuple[str, str, str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    by_section: dict[str, list[int]] = {}
    for row in result.rows:
        second = by_section.setdefault(row.get(".section", "0"), [0, 0])
        if not row.get("dst-address"):
            continue  # a section's empty marker
        second[0] += _int(row.get("tx"))
        second[1] += _int(row.get("rx"))
        key = (row.get("ip-protocol", ""), row.get("src-address", ""), row.get("src-port", ""),
               row.get("dst-address", ""), row.get("dst-port", ""))  # fmt: skip
        totals[key][0] += _int(row.get("tx"))
        totals[key][1] += _int(row.get("rx"))
    n = max(1, len(by_section))
    flows = [
        FlowRate(proto, local, local_port, remote, remote_port, down // n, up // n)
        for (proto, local, local_port, remote, remote_port), (down, up) in totals.items()
    ]
    flows.sort(key=lambda f: f.down_bps + f.up_bps, reverse=True)
    per_second = tuple((down, up) for down, up in by_section.values())
    return Torch(flows, len(by_section), result.interrupted, per_second)


async def torch(conn: RouterConnection, interface: str, address: str | None, seconds: float) -> Torch:
    """``/tool/torch`` for ``seconds`` on the client's interface (and, on a shared LAN, its address)."""
    words = [f"=interface={interface}", "=src-address=0.0.0.0/0", "=dst-address=0.0.0.0/0",
             "=port=any", "=ip-protocol=any"]  # fmt: skip
    if address:
        words[1] = f"=src-address={address}/32"
    return _flows(await stream(conn, "/tool/torch", words, seconds=seconds))


# -- ping ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ping:
    address: str
    sent: int
    received: int
    rtts_ms: list[float | None]  # one per probe: None = timeout
    interrupted: Note | None = None

    @property
    def loss(self) -> int:
        return 100 * (self.sent - self.received) // self.sent if self.sent else 100

    def stat(self, which: str) -> float | None:
        values = [t for t in self.rtts_ms if t is not None]
        if not values:
            return None
        return {"min": min(values), "max": max(values), "avg": sum(values) / len(values)}[which]


async def ping(conn: RouterConnection, address: str, count: int = 5, interval: float = 1.0) -> Ping:
    """``/ping count=N`` from the router; it ends by itself, or is cancelled after a grace."""
    words = [f"=address={address}", f"=count={count}"]
    if interval != 1.0:
        words.append(f"=interval={interval:g}")
    result = await stream(conn, "/ping", words, seconds=count * interval + 3)
    probes = [row for row in result.rows if row.get("seq") is not None or row.get("sent")]
    rtts: list[float | None] = [
        None if row.get("status") or not row.get("time") else duration_ms(row.get("time")) for row in probes
    ]
    last: Row = probes[-1] if probes else {}
    sent = _int(last.get("sent")) or len(probes)
    received = _int(last.get("received")) if last.get("received") else sum(1 for t in rtts if t is not None)
    return Ping(address, sent, received, rtts, result.interrupted)
