"""Apply one :class:`RouterOp` idempotently on one connection.

Service objects are created, updated and removed by :mod:`.services`. Suspend and activate are
split into *read* (:func:`read_snapshot`), *decide* (:func:`plan`, pure) and *write*
(:func:`execute`): a single operation reads just its own rows, while the gateway's bulk path
reads each table once for hundreds of clients and reuses the very same decisions.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from antena.core.errors import RouterError, RouterUnreachable
from antena.core.notes import Note, note
from antena.core.routeros.client import RouterConnection, Row, eq, or_
from antena.core.routeros.ops import OpKind, RouterOp
from antena.core.routeros.plans import MISSING_PROFILE, ensure_profile, remove_plan, upsert_plan
from antena.core.routeros.services import (
    ADDRESS_LIST,
    ALREADY_APPLIED,
    HOTSPOT_ACTIVE,
    HOTSPOT_USER,
    PPP_ACTIVE,
    PPP_SECRET,
    is_duplicate,
    is_true,
    norm_host,
    remove_ids,
    remove_service,
    service_kind,
    upsert_service,
)

# -- suspend / activate: read, decide, write --------------------------------------------------


def _index(rows: Sequence[Row], *keys: str) -> dict[tuple[str, ...], list[Row]]:
    index: dict[tuple[str, ...], list[Row]] = defaultdict(list)
    for row in rows:
        index[tuple(row.get(key, "") for key in keys)].append(row)
    return index


@dataclass
class Snapshot:
    """The rows suspend/activate decide from: suspend-list entries, secrets, users, sessions."""

    entries: list[Row] = field(default_factory=list)  # address-list rows in suspend lists
    secrets: list[Row] = field(default_factory=list)
    ppp_active: list[Row] = field(default_factory=list)
    users: list[Row] = field(default_factory=list)
    hotspot_active: list[Row] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_comment = _index(self.entries, "list", "comment")
        self._by_address = _index(
            [{**row, "address": norm_host(row.get("address", ""))} for row in self.entries], "list", "address"
        )
        self._secrets = _index(self.secrets, "comment")
        self._ppp_active = _index(self.ppp_active, "name")
        self._users = _index(self.users, "comment")
        self._hotspot_active = _index(self.hotspot_active, "user")

    def listed(self, suspend_list: str, *, comment: str = "", ip: str | None = None) -> list[Row]:
        """Suspend-list entries with this comment or for this IP (each row once)."""
        rows = list(self._by_comment.get((suspend_list, comment), [])) if comment else []
        if ip:
            rows += self._by_address.get((suspend_list, norm_host(ip)), [])
        return list({row[".id"]: row for row in rows}.values())

    def secrets_of(self, comment: str) -> list[Row]:
        return self._secrets.get((comment,), [])

    def users_of(self, comment: str) -> list[Row]:
        return self._users.get((comment,), [])

    def ppp_sessions(self, names: set[str]) -> list[Row]:
        return [row for name in sorted(names) for row in self._ppp_active.get((name,), [])]

    def hotspot_sessions(self, names: set[str]) -> list[Row]:
        return [row for name in sorted(names) for row in self._hotspot_active.get((name,), [])]


_ENTRY_PROPS = (".id", "list", "address", "comment")
_SECRET_PROPS = (".id", "name", "comment", "disabled")
_SESSION_PROPS = (".id", "name", "user")


def _needs(op: RouterOp) -> tuple[bool, bool, bool, bool]:
    """Which tables this op decides from: (secrets, ppp sessions, hotspot users, hotspot sessions)."""
    pppoe, hotspot = op.service.service_type == "pppoe", op.service.service_type == "hotspot"
    suspend = op.kind is OpKind.SUSPEND
    return (
        pppoe and (not suspend or not op.service.ip),
        pppoe and suspend,
        hotspot,
        hotspot and suspend,
    )


async def read_snapshot(conns: Sequence[RouterConnection], ops: Sequence[RouterOp]) -> Snapshot:
    """One op: only its own rows (filtered prints). Many: each needed table once, spread over
    ``conns`` in parallel."""
    ops = [op for op in ops if op.kind in (OpKind.SUSPEND, OpKind.ACTIVATE)]
    reads: list[tuple[str, str, tuple[str, ...], tuple[str, ...]]] = []  # field, path, props, where
    keep: dict[str, Callable[[Row], bool] | None] = {}
    if len(ops) == 1:
        op = ops[0]
        spec = op.service
        who = (
            or_(eq("comment", spec.comment), eq("address", spec.ip))
            if spec.ip
            else eq("comment", spec.comment)
        )
        reads.append(("entries", ADDRESS_LIST, _ENTRY_PROPS, (*eq("list", op.suspend_list), *who)))
        secrets, ppp_active, users, hotspot_active = _needs(op)
        by_comment, by_name, by_user = (
            eq("comment", spec.comment),
            eq("name", spec.name),
            eq("user", spec.name),
        )
    else:
        for suspend_list in sorted({op.suspend_list for op in ops}):
            reads.append(("entries", ADDRESS_LIST, _ENTRY_PROPS, eq("list", suspend_list)))
        needs = [_needs(op) for op in ops]
        secrets, ppp_active, users, hotspot_active = (
            (any(column) for column in zip(*needs, strict=True)) if needs else (False,) * 4
        )
        by_comment = by_name = by_user = ()
        # Every lookup is by an op's own comment or address: on a cut-off day's slice of 2,000
        # against a suspend list of 100,000 only the rows that can matter are kept as they arrive.
        comments = {op.service.comment for op in ops}
        hosts = {norm_host(op.service.ip) for op in ops if op.service.ip}
        keep["entries"] = lambda row: (
            row.get("comment", "") in comments or norm_host(row.get("address", "")) in hosts
        )
        keep["secrets"] = keep["users"] = lambda row: row.get("comment", "") in comments
    if secrets:
        reads.append(("secrets", PPP_SECRET, _SECRET_PROPS, by_comment))
    if ppp_active:
        reads.append(("ppp_active", PPP_ACTIVE, _SESSION_PROPS, by_name))
    if users:
        reads.append(("users", HOTSPOT_USER, _SECRET_PROPS, by_comment))
    if hotspot_active:
        reads.append(("hotspot_active", HOTSPOT_ACTIVE, _SESSION_PROPS, by_user))
    results = await asyncio.gather(
        *(
            conns[i % len(conns)].select(path, *props, where=where, keep=keep.get(name))
            for i, (name, path, props, where) in enumerate(reads)
        )
    )
    tables: dict[str, list[Row]] = defaultdict(list)
    for (name, *_), rows in zip(reads, results, strict=True):
        tables[name].extend(rows)
    return Snapshot(**tables)


@dataclass(slots=True)
class Actions:
    """What one suspend/activate must write; ``notes`` say what it did (the result's notes)."""

    adds: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    sets: list[tuple[str, str, tuple[tuple[str, str], ...]]] = field(default_factory=list)
    removes: list[tuple[str, str]] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)

    @property
    def result(self) -> list[Note]:
        return list(self.notes) or [ALREADY_APPLIED]

    def __bool__(self) -> bool:
        return bool(self.adds or self.sets or self.removes)


def plan(op: RouterOp, snap: Snapshot) -> Actions:
    """Decide (no I/O) what a SUSPEND or ACTIVATE still has to do, given the router's rows."""
    if op.kind is OpKind.SUSPEND:
        return _plan_suspend(op, snap)
    if op.kind is OpKind.ACTIVATE:
        return _plan_activate(op, snap)
    raise ValueError(f"plan() handles suspend and activate, not {op.kind}")


def _plan_suspend(op: RouterOp, snap: Snapshot) -> Actions:
    spec, suspend_list, actions = op.service, op.suspend_list, Actions()
    kind = service_kind(spec.service_type)
    if spec.ip:
        if not snap.listed(suspend_list, ip=spec.ip):
            actions.adds.append(
                (ADDRESS_LIST, {"list": suspend_list, "address": spec.ip, "comment": spec.comment})
            )
            actions.notes.append(note("listed", ip=spec.ip, list=suspend_list))
        for row in snap.listed(suspend_list, comment=spec.comment):
            if norm_host(row.get("address", "")) != norm_host(spec.ip):  # left over from an old IP
                actions.removes.append((ADDRESS_LIST, row[".id"]))
                actions.notes.append(note("old_unlisted", ip=row.get("address", ""), list=suspend_list))
    elif spec.service_type not in ("pppoe", "hotspot"):
        raise RouterError(note=kind.note("no_ip", spec))

    owned = snap.secrets_of(spec.comment) if spec.service_type == "pppoe" else snap.users_of(spec.comment)
    if not spec.ip and not owned:
        raise RouterError(note=kind.note("nothing_to_suspend", spec))
    # Without an IP nothing can be address-listed: a disabled secret keeps a PPPoE client from
    # reconnecting. Hotspot users are always disabled on suspend (the contract says so).
    if spec.service_type == "hotspot" or not spec.ip:
        for row in owned:
            if not is_true(row.get("disabled")):
                actions.sets.append((kind.path, row[".id"], (("disabled", "yes"),)))
                actions.notes.append(note("disabled", noun=kind.noun, name=row.get("name", spec.name)))

    names = {spec.name} | {row.get("name", "") for row in owned}
    if spec.service_type == "pppoe":
        sessions, path, noun = snap.ppp_sessions(names), PPP_ACTIVE, "ppp"
    elif spec.service_type == "hotspot":
        sessions, path, noun = snap.hotspot_sessions(names), HOTSPOT_ACTIVE, "hotspot"
    else:
        sessions, path, noun = [], "", ""
    if sessions:
        actions.removes.extend((path, row[".id"]) for row in sessions)
        actions.notes.append(note("sessions_dropped", noun=noun, n=len(sessions)))
    return actions


def _plan_activate(op: RouterOp, snap: Snapshot) -> Actions:
    spec, suspend_list, actions = op.service, op.suspend_list, Actions()
    listed = snap.listed(suspend_list, comment=spec.comment, ip=spec.ip)
    if listed:
        actions.removes.extend((ADDRESS_LIST, row[".id"]) for row in listed)
        addresses = list(dict.fromkeys(row.get("address", "") for row in listed))
        actions.notes.append(note("unlisted", ip=addresses, list=suspend_list))
    if spec.service_type in ("pppoe", "hotspot"):
        kind = service_kind(spec.service_type)
        owned = snap.secrets_of(spec.comment) if spec.service_type == "pppoe" else snap.users_of(spec.comment)
        for row in owned:
            if is_true(row.get("disabled")):
                actions.sets.append((kind.path, row[".id"], (("disabled", "no"),)))
                actions.notes.append(note("enabled", noun=kind.noun, name=row.get("name", spec.name)))
    return actions


async def execute(conn: RouterConnection, actions: Actions) -> None:
    """Write a plan in order: adds, then sets and removes (one command per menu and value)."""
    for path, props in actions.adds:
        try:
            await conn.add(path, **props)
        except RouterError as exc:
            if not is_duplicate(exc):  # the address got listed meanwhile: that is what we wanted
                raise
    sets: dict[tuple[str, tuple[tuple[str, str], ...]], list[str]] = defaultdict(list)
    for path, row_id, values in actions.sets:
        sets[(path, values)].append(row_id)
    for (path, values), ids in sets.items():
        await conn.set(path, ids, **dict(values))
    removes: dict[str, list[str]] = defaultdict(list)
    for path, row_id in actions.removes:
        removes[path].append(row_id)
    for path, ids in removes.items():
        await remove_ids(conn, path, ids)


async def apply_op(conn: RouterConnection, op: RouterOp) -> list[Note]:
    """Apply one operation; returns what happened. Raises RouterError / RouterUnreachable."""
    if op.kind in (OpKind.UPSERT_PLAN, OpKind.REMOVE_PLAN):
        if op.plan is None:
            raise RouterError(note=note("no_plan", kind=op.kind.value))
        if op.kind is OpKind.UPSERT_PLAN:
            return await upsert_plan(conn, op.plan)
        return await remove_plan(conn, op.plan)
    if op.kind is OpKind.UPSERT_SERVICE:
        try:
            return await upsert_service(conn, op.service, op.suspend_list)
        except RouterError as exc:
            if MISSING_PROFILE not in exc.message or isinstance(exc, RouterUnreachable):
                raise
        # the router lacks the plan's profile (a new router, one reset by hand): profile first
        return await upsert_service(conn, await ensure_profile(conn, op.service), op.suspend_list)
    if op.kind is OpKind.REMOVE_SERVICE:
        return await remove_service(conn, op.service, op.suspend_list)
    actions = plan(op, await read_snapshot([conn], [op]))
    await execute(conn, actions)
    return actions.result
