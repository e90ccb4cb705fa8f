"""What we ask of a router, as plain data: stored in the outbox, applied by ``provisioning``.

An operation carries a snapshot of the service as it should be on the router, so a queued
task still says exactly what to do after the database has moved on, and so ``/tareas`` can
describe it. Every router object we create carries the comment ``antena:<client id>``; that
comment, not the name or the IP, is how an object is found again.
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Protocol

from antena.core.notes import Note

COMMENT_PREFIX = "antena:"
PLAN_COMMENT_PREFIX = "antena:plan:"


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
    UPSERT_PLAN = "upsert_plan"  # the plan's profile / PCQ queues on the router, found by antena:plan:<id>
    REMOVE_PLAN = "remove_plan"  # delete them (not found = already done)


@dataclass(frozen=True, slots=True)
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
    plan_id: int | None = None  # so a missing PPP/Hotspot profile can be created first

    @property
    def comment(self) -> str:
        return comment_for(self.client_id)


def plan_comment(plan_id: int) -> str:
    return f"{PLAN_COMMENT_PREFIX}{plan_id}"


def plan_id_from_comment(comment: str | None) -> int | None:
    """The plan id in ``antena:plan:<id>``, else ``None``."""
    if not comment or not comment.startswith(PLAN_COMMENT_PREFIX):
        return None
    rest = comment[len(PLAN_COMMENT_PREFIX) :].split()
    return int(rest[0]) if rest and rest[0].isdigit() else None


@dataclass(frozen=True, slots=True)
class PlanSpec:
    """A plan as it must exist on every router: a PPP/Hotspot profile or a PCQ queue pair."""

    plan_id: int
    service_type: str  # pppoe | hotspot | simple-queue | pcq
    name: str  # profile name; PCQ: the address-list the plan's clients are in
    upload: str
    download: str
    pool: str | None = None  # PPPoE: the profile's remote-address pool

    @property
    def comment(self) -> str:
        return plan_comment(self.plan_id)

    @property
    def rate(self) -> str:
        return f"{self.upload}/{self.download}"

    @classmethod
    def of_service(cls, spec: ServiceSpec) -> PlanSpec | None:
        """What a service's own snapshot says about its plan (enough to create a missing profile)."""
        if spec.plan_id is None or not spec.profile:
            return None
        upload, _, download = (spec.rate or "").partition("/")
        return cls(spec.plan_id, spec.service_type, spec.profile, upload or "0", download or upload or "0")


def plan_placeholder(plan: PlanSpec) -> ServiceSpec:
    """The service slot of a plan operation: no client (id 0), the plan's type and name."""
    return ServiceSpec(client_id=0, service_type=plan.service_type, name=plan.name, profile=plan.name)


_SERVICE_FIELDS = tuple(f.name for f in fields(ServiceSpec))


@dataclass(frozen=True, slots=True)
class RouterOp:
    kind: OpKind
    service: ServiceSpec
    suspend_list: str = "morosos"
    plan: PlanSpec | None = None  # UPSERT_PLAN / REMOVE_PLAN (``service`` is then a placeholder)

    @classmethod
    def for_plan(cls, kind: OpKind, plan: PlanSpec) -> RouterOp:
        return cls(kind, plan_placeholder(plan), plan=plan)

    def to_json(self) -> dict[str, Any]:
        # the fields are plain values: a flat copy is what ``asdict`` returns, without its deep copy
        service = self.service
        data: dict[str, Any] = {
            "kind": self.kind.value,
            "service": {name: getattr(service, name) for name in _SERVICE_FIELDS},
            "suspend_list": self.suspend_list,
        }
        if self.plan is not None:
            data["plan"] = asdict(self.plan)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RouterOp:
        return cls(
            kind=OpKind(data["kind"]),
            service=ServiceSpec(**data["service"]),
            suspend_list=data.get("suspend_list", "morosos"),
            plan=PlanSpec(**data["plan"]) if data.get("plan") else None,
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
    LOGIN_REFUSED = "login_refused"  # the router refused our user or password: retried on a slow schedule
    SKIPPED = "skipped"  # not attempted (an earlier operation found the router unreachable)


@dataclass(slots=True)
class OpResult:
    """One operation's outcome with its notes: what was done (``listed`` 10.0.0.5 → morosos) or why
    not (the router's words, ``timeout``), as codes with parameters rendered where they are shown."""

    outcome: Outcome
    notes: list[Note] = field(default_factory=list)
    commands: int = field(default=0)

    def text(self, lang: str | None = None) -> str:
        """The notes in words (``lang``, else the current language): for logs and tests."""
        from antena.core.routeros.wording import render_all

        return render_all(self.notes, lang)


class RouterGateway(Protocol):
    """Applies operations to one router, in order for each client; the only door to RouterOS."""

    async def apply(self, router: RouterAccess, ops: list[RouterOp]) -> list[OpResult]: ...
