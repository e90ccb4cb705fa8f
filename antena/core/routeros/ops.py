"""What we ask of a router, as plain data: stored in the outbox, applied by ``provisioning``.

An operation carries a snapshot of the service as it should be on the router, so a queued
task still says exactly what to do after the database has moved on, and so ``/tareas`` can
describe it. Every router object we create carries the comment ``antena:<client id>``; that
comment, not the name or the IP, is how an object is found again.
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

COMMENT_PREFIX = "antena:"


def comment_for(client_id: int) -> str:
    return f"{COMMENT_PREFIX}{client_id}"


def client_id_from_comment(comment: str | None) -> int | None:
    """The client id in ``antena:<id>`` (with or without trailing text), else ``None``."""
    if not comment or not comment.startswith(COMMENT_PREFIX):
        return None
    digits = comment[len(COMMENT_PREFIX) :].split()[0] if comment[len(COMMENT_PREFIX) :] else ""
    return int(digits) if digits.isdigit() else None


class OpKind(enum.StrEnum):
    UPSERT_SERVICE = "upsert_service"  # create or update the PPP secret / hotspot user / queue / list entry
    REMOVE_SERVICE = "remove_service"  # delete it (not found = already done)
    SUSPEND = "suspend"  # IP into the suspend list; PPPoE drops the session; Hotspot disables the user
    ACTIVATE = "activate"  # undo exactly that


@dataclass(frozen=True)
class ServiceSpec:
    """A client's service as it must look on the router."""

    client_id: int
    service_type: str  # pppoe | hotspot | simple-queue | pcq
    name: str  # PPP secret / Hotspot user / queue name (PCQ: informative)
    ip: str | None = None
    password: str | None = None
    profile: str | None = None  # PPP profile, Hotspot user profile, PCQ address-list name
    rate: str | None = None  # "upload/download" for a simple queue's max-limit
    local_address: str | None = None
    mac: str | None = None

    @property
    def comment(self) -> str:
        return comment_for(self.client_id)


@dataclass(frozen=True)
class RouterOp:
    kind: OpKind
    service: ServiceSpec
    suspend_list: str = "morosos"

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "service": asdict(self.service), "suspend_list": self.suspend_list}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RouterOp:
        return cls(
            kind=OpKind(data["kind"]),
            service=ServiceSpec(**data["service"]),
            suspend_list=data.get("suspend_list", "morosos"),
        )


@dataclass(frozen=True)
class RouterAccess:
    """How to reach one router's API: plain values, no database object."""

    router_id: int
    name: str
    host: str
    port: int
    username: str
    password: str
    use_tls: bool = False
    timeout: float = 10.0


class Outcome(enum.StrEnum):
    APPLIED = "applied"  # the router now matches (including "already there")
    REFUSED = "refused"  # the router answered with an error: retrying will not help
    UNREACHABLE = "unreachable"  # could not talk to the router: retry later
    SKIPPED = "skipped"  # not attempted (an earlier operation found the router unreachable)


@dataclass
class OpResult:
    outcome: Outcome
    detail: str = ""  # what was done ("10.0.0.5 → morosos") or the router's / connection's error
    commands: int = field(default=0)


class RouterGateway(Protocol):
    """Applies operations to one router, in order for each client; the only door to RouterOS."""

    async def apply(self, router: RouterAccess, ops: list[RouterOp]) -> list[OpResult]: ...
