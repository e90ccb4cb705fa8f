"""Plans on the router: the PPP or Hotspot profile that limits a plan's speed, or the PCQ queues
that shape its address-list, each found again by the comment ``antena:plan:<plan id>``.

PPPoE → ``/ppp/profile`` named after the plan with ``rate-limit=<upload>/<download>``; Hotspot →
``/ip/hotspot/user/profile`` the same; PCQ → a ``/queue/type`` pair (``kind=pcq``, ``pcq-rate``
download and upload), the two mangle rules that mark the address-list's traffic and the two
``/queue/tree`` queues that shape it. A Simple Queue plan has nothing of its own: each client's
queue carries the plan's ``max-limit``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from antena.core.errors import RouterError
from antena.core.notes import Note, note
from antena.core.routeros.client import RouterConnection, Row
from antena.core.routeros.ops import PlanSpec, ServiceSpec, plan_id_from_comment
from antena.core.routeros.services import ALREADY_APPLIED, is_duplicate, norm_rate, remove_ids

PPP_PROFILE = "/ppp/profile"
HOTSPOT_PROFILE = "/ip/hotspot/user/profile"
QUEUE_TYPE = "/queue/type"
MANGLE = "/ip/firewall/mangle"
QUEUE_TREE = "/queue/tree"
#: Every menu a plan may own objects in; removal goes in this order (trees before their types).
PLAN_PATHS = (PPP_PROFILE, HOTSPOT_PROFILE, QUEUE_TREE, MANGLE, QUEUE_TYPE)
#: How notes name each menu's objects (codes of ``wording.NOUNS``).
PATH_NOUNS = {
    PPP_PROFILE: "ppp_profile",
    HOTSPOT_PROFILE: "hotspot_profile",
    QUEUE_TYPE: "queue_type",
    MANGLE: "mangle_rule",
    QUEUE_TREE: "queue_tree",
}
#: What RouterOS answers when a secret or user names a profile it does not have.
MISSING_PROFILE = "input does not match any value of profile"


def _same(value: str) -> str:
    return value


@dataclass(frozen=True)
class PlanObject:
    """One router object of a plan: its menu, role among the plan's objects and wanted values."""

    path: str
    role: str
    props: dict[str, str]
    norms: dict[str, Callable[[str], str]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.props.get("name") or self.role

    def note(self, code: str, **params: object) -> Note:
        """A note about this object: ``obj.note("created")`` → queue type Hogar-down created."""
        return note(code, noun=PATH_NOUNS.get(self.path, self.path), name=self.label, **params)

    def differences(self, row: Row) -> dict[str, str]:
        return {
            key: want
            for key, want in self.props.items()
            if self.norms.get(key, _same)(row.get(key, "")) != self.norms.get(key, _same)(want)
        }


def row_role(path: str, row: Row) -> str:
    """Which of a plan's objects an existing row is (rows share the plan's comment)."""
    if path == QUEUE_TYPE:
        return "type-up" if row.get("pcq-classifier") == "src-address" else "type-down"
    if path == MANGLE:
        return "mark-up" if row.get("src-address-list") else "mark-down"
    if path == QUEUE_TREE:
        return "tree-up" if row.get("packet-mark", "").endswith("-up") else "tree-down"
    return "profile"


def plan_objects(spec: PlanSpec) -> list[PlanObject]:
    """The objects ``spec`` needs on a router, in creation order."""
    comment = spec.comment
    rate: dict[str, Callable[[str], str]] = {"rate-limit": norm_rate}
    if spec.service_type == "pppoe":
        props = {"name": spec.name, "rate-limit": spec.rate, "comment": comment}
        if spec.pool:
            props["remote-address"] = spec.pool
        return [PlanObject(PPP_PROFILE, "profile", props, rate)]
    if spec.service_type == "hotspot":
        return [
            PlanObject(
                HOTSPOT_PROFILE,
                "profile",
                {"name": spec.name, "rate-limit": spec.rate, "comment": comment},
                rate,
            )
        ]
    if spec.service_type != "pcq":
        return []
    objects = []
    for way, rate_value, classifier, list_key in (
        ("down", spec.download, "dst-address", "dst-address-list"),
        ("up", spec.upload, "src-address", "src-address-list"),
    ):
        name = f"{spec.name}-{way}"
        objects.append(
            PlanObject(
                QUEUE_TYPE,
                f"type-{way}",
                {
                    "name": name,
                    "kind": "pcq",
                    "pcq-rate": rate_value,
                    "pcq-classifier": classifier,
                    "comment": comment,
                },
                {"pcq-rate": norm_rate},
            )
        )
        objects.append(
            PlanObject(
                MANGLE,
                f"mark-{way}",
                {
                    "chain": "forward",
                    list_key: spec.name,
                    "action": "mark-packet",
                    "new-packet-mark": name,
                    "passthrough": "false",
                    "comment": comment,
                },
                {"passthrough": lambda v: {"no": "false", "yes": "true"}.get(v, v)},
            )
        )
        objects.append(
            PlanObject(
                QUEUE_TREE,
                f"tree-{way}",
                {"name": name, "parent": "global", "packet-mark": name, "queue": name, "comment": comment},
            )
        )
    # types first (a tree names its queue type), then marks, then trees
    return sorted(objects, key=lambda o: (QUEUE_TYPE, MANGLE, QUEUE_TREE).index(o.path))


async def _ours(conn: RouterConnection, path: str, comment: str) -> list[Row]:
    return await conn.print(path, comment=comment)


async def _adopt(conn: RouterConnection, obj: PlanObject) -> Row:
    """The name is taken: ours after all (made by a concurrent try), or a profile an operator made
    by hand for this plan, which becomes ours; a RouterOS default or another plan's object is
    never taken over."""
    taken = await conn.print(obj.path, name=obj.props.get("name", ""))
    for row in taken:
        if row.get("comment") == obj.props.get("comment"):
            return row
    for row in taken:
        if plan_id_from_comment(row.get("comment")) is None and row.get("default") not in ("true", "yes"):
            return row
    raise RouterError(note=obj.note("plan_object_taken"))


async def upsert_plan(conn: RouterConnection, spec: PlanSpec) -> list[Note]:
    """Create the plan's objects or change only what differs; duplicates of ours are removed."""
    notes: list[Note] = []
    cache: dict[str, list[Row]] = {}
    for obj in plan_objects(spec):
        if obj.path not in cache:
            cache[obj.path] = await _ours(conn, obj.path, spec.comment)
        rows = [row for row in cache[obj.path] if row_role(obj.path, row) == obj.role]
        if not rows:
            try:
                await conn.add(obj.path, **obj.props)
                notes.append(obj.note("created"))
                continue
            except RouterError as exc:
                if not is_duplicate(exc) or "name" not in obj.props:
                    raise
                rows = [await _adopt(conn, obj)]
        row, extra = rows[0], rows[1:]
        changes = obj.differences(row)
        if changes:
            await conn.set(obj.path, row[".id"], **changes)
            notes.append(obj.note("updated", fields=sorted(changes)))
        if extra:
            await remove_ids(conn, obj.path, [r[".id"] for r in extra])
            notes.append(note("duplicates_removed", n=len(extra)))
    return notes or [ALREADY_APPLIED]


async def remove_plan(conn: RouterConnection, spec: PlanSpec) -> list[Note]:
    """Delete every object carrying the plan's comment (trees before the types they use)."""
    paths = {obj.path for obj in plan_objects(spec)}
    removed = 0
    for path in PLAN_PATHS:
        if path not in paths:
            continue
        rows = await _ours(conn, path, spec.comment)
        await remove_ids(conn, path, [row[".id"] for row in rows])
        removed += len(rows)
    return [note("removed" if removed else "already_absent", noun="plan", name=spec.name)]


async def ensure_profile(conn: RouterConnection, service: ServiceSpec) -> ServiceSpec:
    """A service is being created on a router that lacks its plan's profile: create the profile
    first (or use ours under its current name). Returns the service spec to add."""
    spec = PlanSpec.of_service(service)
    if spec is None or service.service_type not in ("pppoe", "hotspot"):
        raise RouterError(f"{MISSING_PROFILE} ({service.profile})", note=_missing(service))
    path = plan_objects(spec)[0].path
    rows = await _ours(conn, path, spec.comment)
    if rows:
        name = rows[0].get("name", spec.name)
        if name == service.profile:  # ours and already named so: the refusal was about something else
            raise RouterError(f"{MISSING_PROFILE} ({service.profile})", note=_missing(service))
        return replace(service, profile=name)
    await upsert_plan(conn, spec)
    return service


def _missing(service: ServiceSpec) -> Note:
    return note("missing_profile", profile=service.profile or "")
