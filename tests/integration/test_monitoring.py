"""The monitoring services on each kind of client against the emulator over TCP: a queue's rate,
torch totals on the LAN for a PCQ client, Hotspot sessions, and a client with nothing to measure."""

from __future__ import annotations

from typing import Any

import pytest

from antena.core.audit import Actor
from antena.core.bootstrap import App
from antena.core.clients.edits import add_client
from antena.core.clients.records import ClientData
from antena.core.errors import NotAllowed
from antena.core.monitoring import tools
from antena.core.routeros.emulator_live import attach


async def _client(app: App, name: str, plan: str, ip: str, **extra: Any) -> int:
    client, report = await app.perform(add_client, Actor.cli(), ClientData(name=name, zone="Centro", router="RB-Centro", plan=plan, ip=ip, **extra)
    )
    assert not report.queued
    return client.id


async def test_a_queue_client_a_pcq_client_and_one_with_nothing_to_measure(app: App, isp: Any) -> None:
    ana = await _client(app, "Ana López", "Cola 20M", "10.0.0.9")
    pedro = await _client(app, "Pedro Cruz", "PCQ 15M", "10.0.0.7")
    with pytest.raises(NotAllowed, match="Nothing to measure for Pedro Cruz on RB-Centro"):
        await tools.traffic(app, pedro, seconds=1)
    with pytest.raises(NotAllowed, match="bind-mac"):
        await tools.torch(app, pedro, seconds=1)

    attach(isp.emulator)  # now the LAN answers ARP for Pedro's address
    queue = await tools.traffic(app, ana, seconds=2)
    assert (queue.source, queue.label, queue.router) == ("queue", f"Ana López ({ana})", "RB-Centro")
    assert len(queue.samples) == 2 and all(s.down_bps > 0 for s in queue.samples[1:])
    lan = await tools.traffic(app, pedro, seconds=2)
    assert (lan.source, lan.label) == ("torch", "bridge-lan")
    assert len(lan.samples) >= 2 and lan.samples[0].down_bps > 0
    flows = await tools.torch(app, pedro, seconds=1.5)
    assert flows.interface == "bridge-lan" and {f.local for f in flows.flows} == {"10.0.0.7"}
    torch = next(c for c in isp.emulator.history if c.command == "/tool/torch")
    assert torch.attributes["src-address"] == "10.0.0.7/32"


async def test_hotspot_sessions_and_ping_of_an_address_no_client_has(app: App, isp: Any) -> None:
    attach(isp.emulator)
    await _client(
        app, "Luisa Mar", "Hotspot 5M", "10.0.0.20", service_user="luisa", service_password="clave-123"
    )
    (router,) = await tools.online(app, "luisa")
    assert router.client == "Luisa Mar"
    assert [(s.service, s.name, s.address) for s in router.sessions] == [("hotspot", "luisa", "10.0.0.20")]
    view = await tools.ping_address(app, "8.8.8.8", count=2)
    assert view.router == "RB-Centro" and view.result.received == 2
