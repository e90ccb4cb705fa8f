"""``/online``, ``/trafico``, ``/torch`` and ``/ping``: live reads of one router about one client
(or every router, for ``/online`` without a name)."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
from dataclasses import dataclass, field

from antena.core import network
from antena.core.bootstrap import App
from antena.core.clients.resolve import find_one
from antena.core.errors import CoreError, InvalidInput, NotAllowed, NotFound
from antena.core.i18n import _
from antena.core.monitoring.defaults import PING_COUNT, TORCH_SECONDS, TRAFFIC_SECONDS
from antena.core.monitoring.targets import RouterRef, Target, api_routers, client_target, connected, ref
from antena.core.notes import Note
from antena.core.routeros import inspect, monitor
from antena.core.routeros.client import RouterConnection
from antena.core.routeros.inspect import ActiveSession
from antena.core.routeros.monitor import QueueCounters, RateSample
from antena.core.routeros.ops import client_id_from_comment

TOP_FLOWS = 8


# -- which queue and interface carry a client ---------------------------------------------------------


def client_queue(queues: list[QueueCounters], target: Target) -> QueueCounters | None:
    """The client's queue: ours by comment, else the router's dynamic one for the PPPoE/Hotspot
    user (``<pppoe-juan>``), else one whose target is exactly the client's IP."""
    return QueueIndex(queues).find(target.client_id, target.service_type, target.user, target.ip)


class QueueIndex:
    """A router's queues indexed by client comment, name and target: matching thousands of
    clients costs one pass over the queues, not one per client."""

    def __init__(self, queues: list[QueueCounters]) -> None:
        self.by_client: dict[int, QueueCounters] = {}
        self.by_name: dict[str, QueueCounters] = {}
        self.by_target: dict[str, QueueCounters] = {}
        for queue in queues:
            client_id = client_id_from_comment(queue.comment)
            if client_id is not None:
                self.by_client.setdefault(client_id, queue)
            self.by_name.setdefault(queue.name, queue)
            if queue.target:
                self.by_target.setdefault(queue.target, queue)

    def find(
        self, client_id: int, service_type: str, user: str | None, ip: str | None
    ) -> QueueCounters | None:
        found = self.by_client.get(client_id)
        if found is None and user and service_type in ("pppoe", "hotspot"):
            found = self.by_name.get(f"<{service_type}-{user}>")
        if found is None and ip:
            found = self.by_target.get(ip)
        return found


async def _pppoe_session(conn: RouterConnection, target: Target) -> ActiveSession | None:
    if target.service_type != "pppoe" or not target.user:
        return None
    sessions = await inspect.ppp_sessions(conn, target.user)
    return sessions[0] if sessions else None


async def _lan_interface(conn: RouterConnection, target: Target) -> str | None:
    if target.interface:
        return target.interface
    if not target.ip:
        return None
    entries = [e for e in await inspect.arp_table(conn, target.ip) if e.interface]
    return entries[0].interface if entries else None


# -- /online --------------------------------------------------------------------------------------------


@dataclass
class RouterSessions:
    router: str
    at: dt.datetime
    sessions: list[ActiveSession] = field(default_factory=list)
    error: str | None = None  # the router did not answer: why
    client: str | None = None  # asked about one client: whose sessions these are


async def _sessions(app: App, router: RouterRef) -> RouterSessions:
    at = app.clock.now()
    try:
        async with connected(router) as conn:
            found = await inspect.ppp_sessions(conn) + await inspect.hotspot_sessions(conn)
    except CoreError as exc:
        return RouterSessions(router.name, at, error=str(exc))
    return RouterSessions(router.name, at, found)


async def _router_named(app: App, text: str) -> RouterRef | None:
    async with app.reader() as uow:
        try:
            router = await network.find_router(uow, text)
        except NotFound:
            return None
        return ref(app, router)


async def online(app: App, text: str = "") -> list[RouterSessions]:
    """Sessions on every router, on the router named ``text``, or of the client ``text`` means."""
    text = text.strip()
    if not text:
        routers = await api_routers(app)
        if not routers:
            raise NotAllowed(_("No router with its API on."))
        return list(await asyncio.gather(*(_sessions(app, r) for r in routers)))
    router = await _router_named(app, text)
    if router is not None:
        return [await _sessions(app, router)]
    target = await client_target(app, (await find_one(app, text)).id)
    result = await _sessions(app, target.router)
    if result.error:
        raise CoreError(result.error)
    result.client = target.client_name
    result.sessions = [
        s for s in result.sessions
        if (target.user and s.name == target.user) or (target.ip and s.address == target.ip)
    ]  # fmt: skip
    return [result]


# -- /trafico --------------------------------------------------------------------------------------------


@dataclass
class Traffic:
    router: str
    at: dt.datetime
    client: str
    source: str  # interface | queue | torch
    label: str  # the interface or queue measured
    samples: list[RateSample]
    interrupted: Note | None = None


async def traffic(app: App, client_id: int, seconds: int = TRAFFIC_SECONDS) -> Traffic:
    """A few seconds of the client's rate: its own interface (PPPoE), else its queue, else torch
    totals on the LAN interface that carries its IP."""
    target = await client_target(app, client_id)
    at = app.clock.now()
    async with connected(target.router) as conn:
        session = await _pppoe_session(conn, target)
        if session is not None:
            own = f"<pppoe-{session.name}>"
            rates = await monitor.interface_rates(conn, own, seconds)
            return Traffic(target.router.name, at, target.client_name, "interface", own,
                           rates.samples, rates.interrupted)  # fmt: skip
        queue = client_queue(await monitor.queue_counters(conn), target)
        if queue is not None:
            rates = await monitor.queue_rates(conn, queue.id, seconds)
            return Traffic(target.router.name, at, target.client_name, "queue", queue.name, rates.samples)
        interface = await _lan_interface(conn, target)
        if interface is None:
            raise NotAllowed(_("Nothing to measure for {name} on {router}: no session, queue or ARP entry.")
                             .format(name=target.client_name, router=target.router.name))  # fmt: skip
        snapshot = await monitor.torch(conn, interface, target.ip, seconds)
    samples = [RateSample(n, down, up) for n, (down, up) in enumerate(snapshot.per_second)]
    return Traffic(
        target.router.name, at, target.client_name, "torch", interface, samples, snapshot.interrupted
    )


# -- /torch -----------------------------------------------------------------------------------------------


@dataclass
class TorchView:
    router: str
    at: dt.datetime
    client: str
    interface: str
    flows: list[monitor.FlowRate]
    seconds: int
    interrupted: Note | None = None


async def torch(app: App, client_id: int, seconds: float = TORCH_SECONDS) -> TorchView:
    """A ``seconds`` snapshot of the client's biggest flows."""
    target = await client_target(app, client_id)
    at = app.clock.now()
    async with connected(target.router) as conn:
        session = await _pppoe_session(conn, target)
        address: str | None = None
        if session is not None:
            interface: str | None = f"<pppoe-{session.name}>"
        else:
            interface, address = await _lan_interface(conn, target), target.ip
        if interface is None:
            raise NotAllowed(
                _("{name} is not online on {router} and no interface is known for its IP "
                  "(run antena clients bind-mac).").format(name=target.client_name, router=target.router.name)
            )  # fmt: skip
        snapshot = await monitor.torch(conn, interface, address, seconds)
    return TorchView(target.router.name, at, target.client_name, interface, snapshot.flows[:TOP_FLOWS],
                     snapshot.seconds, snapshot.interrupted)  # fmt: skip


# -- /ping ------------------------------------------------------------------------------------------------


@dataclass
class PingView:
    router: str
    at: dt.datetime
    label: str  # the client's name, or the address asked for
    result: monitor.Ping


def parse_address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


async def ping_client(app: App, client_id: int, count: int = PING_COUNT) -> PingView:
    """``/ping count=5`` from the client's router to its address (a PPPoE session's when it has none)."""
    target = await client_target(app, client_id)
    at = app.clock.now()
    async with connected(target.router) as conn:
        address = target.ip
        if address is None and (session := await _pppoe_session(conn, target)) is not None:
            address = session.address or None
        if address is None:
            raise NotAllowed(_("{name} has no IP and is not online on {router}.")
                             .format(name=target.client_name, router=target.router.name))  # fmt: skip
        result = await monitor.ping(conn, address, count)
    return PingView(target.router.name, at, target.client_name, result)


async def ping_address(
    app: App, address: str, router_name: str | None = None, count: int = PING_COUNT
) -> PingView:
    """Ping an address from ``router_name``, else from the router of the client that has it, else
    from the only router there is."""
    if router_name:
        router = await _router_named(app, router_name)
        if router is None:
            raise NotFound(_("Unknown router: {name}").format(name=router_name))
    else:
        try:
            router = (await client_target(app, (await find_one(app, address)).id)).router
        except NotFound:
            routers = await api_routers(app)
            if len(routers) != 1:
                raise InvalidInput(
                    _("No client has {ip}: say which router, e.g. /ping {ip} {router}").format(
                        ip=address, router=routers[0].name if routers else "RB-Centro")
                ) from None  # fmt: skip
            router = routers[0]
    at = app.clock.now()
    async with connected(router) as conn:
        result = await monitor.ping(conn, address, count)
    return PingView(router.name, at, address, result)
