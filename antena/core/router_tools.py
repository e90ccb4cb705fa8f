"""Operator tools on one router: blocking rules, active sessions, IP↔MAC binding and the drift
check between what the database says and what the router has."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select

from antena.core import network
from antena.core.audit import Actor, record
from antena.core.bootstrap import App
from antena.core.clients.lifecycle import live_services, load_clients
from antena.core.clients.specs import plan_spec, service_spec
from antena.core.clients.subjects import load_subjects
from antena.core.db.models import Client, ClientStatus, Plan, Router, Service
from antena.core.errors import InvalidInput, NotAllowed
from antena.core.i18n import _
from antena.core.progress import Progress, no_progress
from antena.core.routeros import drift, inspect, rules
from antena.core.routeros.client import RouterConnection
from antena.core.routeros.drift import DriftReport
from antena.core.routeros.inspect import ActiveSession
from antena.core.routeros.ops import OpResult, Outcome, ServiceSpec
from antena.core.routeros.outbox import access_for


async def _router(app: App, name: str) -> Router:
    async with app.uow() as uow:
        router = await network.find_router(uow, name)
    if not router.api_enabled:
        raise NotAllowed(_("Router {name} has its API disabled").format(name=router.name))
    return router


async def _connect(app: App, router: Router) -> RouterConnection:
    return await RouterConnection.open(access_for(router, app.settings.router_timeout))


def portal_address(portal_url: str) -> tuple[str, int]:
    """The portal's IP and port, for the NAT redirect of suspended clients."""
    parts = urlsplit(portal_url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        return str(ipaddress.ip_address(host)), port
    except ValueError:
        pass
    try:
        return socket.gethostbyname(host), port
    except OSError as exc:
        raise InvalidInput(
            _("Cannot resolve the portal host {host}: give its IP with --portal-ip").format(host=host)
        ) from exc


async def install_rules(
    app: App, actor: Actor, router_name: str, *, portal_ip: str | None = None, portal_port: int | None = None
) -> rules.RulesReport:
    """Drop forwarding from the suspend list (but DNS and the portal) and redirect web to the portal."""
    router = await _router(app, router_name)
    ip, port = portal_address(app.settings.portal_url)
    ip, port = (portal_ip or ip), (portal_port or port)
    conn = await _connect(app, router)
    try:
        report = await rules.install_block_rules(conn, app.settings.suspend_list, ip, port)
    finally:
        await conn.close()
    async with app.uow() as uow:
        record(
            uow.session,
            actor,
            "router.rules",
            target=router.name,
            arguments={"portal": f"{ip}:{port}", "added": len(report.added)},
        )
        await uow.commit()
    return report


async def sessions(app: App, router_name: str) -> list[ActiveSession]:
    router = await _router(app, router_name)
    conn = await _connect(app, router)
    try:
        return await inspect.ppp_sessions(conn) + await inspect.hotspot_sessions(conn)
    finally:
        await conn.close()


CHECK_CHUNK = 5_000  # clients whose rows a drift check reads at once


async def check(app: App, router_name: str) -> DriftReport:
    """Compare the router with its live services and which of their clients must be cut."""
    router = await _router(app, router_name)
    expected: list[ServiceSpec] = []
    suspended: set[int] = set()
    async with app.reader() as uow:  # plain rows, a slice of clients at a time: a router of 10,000
        ids = (
            await uow.session.execute(
                select(Service.client_id)
                .where(Service.router_id == router.id, Service.cancelled.is_(False))
                .distinct()
                .order_by(Service.client_id)
            )
        ).scalars().all()
        for start in range(0, len(ids), CHECK_CHUNK):
            for client in (await load_subjects(uow.session, ids[start : start + CHECK_CHUNK])).values():
                for service in client.services:
                    if service.router.id == router.id and not service.cancelled:
                        expected.append(service_spec(client, service))
                if client.status in (ClientStatus.SUSPENDED, ClientStatus.CANCELLED):
                    suspended.add(client.id)
        plans = [plan_spec(p) for p in (await uow.session.execute(select(Plan).order_by(Plan.id))).scalars()]
    conn = await _connect(app, router)
    try:
        return await drift.check_drift(conn, expected, suspended, app.settings.suspend_list, plans)
    finally:
        await conn.close()


async def repair(
    app: App, actor: Actor, router_name: str, report: DriftReport, progress: Progress = no_progress
) -> list[OpResult]:
    router = await _router(app, router_name)
    conn = await _connect(app, router)
    try:
        results = await drift.repair_drift(conn, report, progress)
    finally:
        await conn.close()
    async with app.uow() as uow:
        applied = sum(1 for r in results if r.outcome is Outcome.APPLIED)
        record(
            uow.session,
            actor,
            "router.repair",
            target=router.name,
            arguments={"findings": len(report.items), "applied": applied},
        )
        await uow.commit()
    return results


@dataclass(frozen=True)
class Binding:
    client_id: int
    ip: str
    mac: str
    interface: str


async def bind_mac(app: App, actor: Actor, client_id: int) -> Binding:
    """Make the client's ARP entry static and store its MAC and interface (the manual's "amarre")."""
    async with app.uow() as uow:
        (client,) = await load_clients(uow.session, [client_id])
        service = next((s for s in live_services(client) if s.ip), None)
        if service is None:
            raise NotAllowed(_("{name} has no service with an IP").format(name=client.name))
        router, ip = service.router, service.ip
    if not router.api_enabled:
        raise NotAllowed(_("Router {name} has its API disabled").format(name=router.name))
    assert ip is not None
    conn = await _connect(app, router)
    try:
        mac, interface = await inspect.bind_ip_mac(conn, ip)
    finally:
        await conn.close()
    async with app.uow() as uow:
        row = await uow.session.get(Service, service.id)
        assert row is not None
        row.mac, row.interface = mac.upper(), interface
        record(uow.session, actor, "client.bind_mac", target=f"{client_id}", arguments={"ip": ip, "mac": mac})
        await uow.commit()
    return Binding(client_id, ip, mac.upper(), interface)


__all__ = ["Binding", "Client", "bind_mac", "check", "install_rules", "repair", "sessions"]
