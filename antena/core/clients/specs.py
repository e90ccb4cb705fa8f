"""How a client's service looks on its router, and where a cancelled client's IP goes."""

from __future__ import annotations

import ipaddress

from antena.core.clients.subjects import ServiceRow, Subject
from antena.core.db.models import Client, Plan, Service, ServiceType
from antena.core.routeros.ops import OpKind, PlanSpec, RouterOp, ServiceSpec


def queue_name(client: Client | Subject) -> str:
    """Queue names must be unique on a router; the id keeps two "Juan Pérez" apart."""
    return f"{client.name} ({client.id})"


def service_spec(client: Client | Subject, service: Service | ServiceRow) -> ServiceSpec:
    plan = service.plan
    kind = plan.service_type
    if kind in (ServiceType.PPPOE, ServiceType.HOTSPOT):
        name = service.service_user or queue_name(client)
    else:
        name = queue_name(client)
    return ServiceSpec(
        client_id=client.id,
        service_type=kind.value,
        name=name,
        ip=service.ip,
        password=service.service_password,
        profile=plan.router_profile,
        rate=plan.rate_limit,
        local_address=service.local_address,
        mac=service.mac,
        plan_id=plan.id,
    )


def plan_spec(plan: Plan) -> PlanSpec:
    """The plan as every router must hold it (profile or PCQ queues named ``router_profile``)."""
    return PlanSpec(
        plan_id=plan.id,
        service_type=plan.service_type.value,
        name=plan.router_profile,
        upload=plan.upload,
        download=plan.download,
        pool=plan.pool if plan.service_type is ServiceType.PPPOE else None,
    )


def op(kind: OpKind, client: Client | Subject, service: Service | ServiceRow, suspend_list: str) -> RouterOp:
    return RouterOp(kind=kind, service=service_spec(client, service), suspend_list=suspend_list)


def released_ip(ip: str) -> str:
    """The manual's mapping for "release the IP": 10.x → 127.0, 192.168 → 169.254, others → 168.0.

    The last two octets are kept, so staff can still tell which address the client had.
    """
    addr = ipaddress.ip_address(ip)
    if addr.version != 4:
        return "168.0.0.1"
    a, b, c, d = (int(x) for x in str(addr).split("."))
    if a == 10:
        return f"127.0.{c}.{d}"
    if a == 192 and b == 168:
        return f"169.254.{c}.{d}"
    return f"168.0.{c}.{d}"


def fallback_released_ip(ip: str) -> str:
    """When the mapped address is taken the manual falls back to 100.64.x.x."""
    _a, _b, c, d = (int(x) for x in released_ip(ip).split("."))
    return f"100.64.{c}.{d}"
