"""Drift check: does the router still hold what the database says it should?

Operators edit routers by hand (Winbox), routers get reset, a failed task gets forgotten.
:func:`check_drift` reads each table once and compares it with the expected services and
suspensions; every finding carries its repair (a :class:`RouterOp`, or the row to delete), and
:func:`repair_drift` applies them, so a second check comes back clean.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from antena.core.errors import RouterError, RouterUnreachable
from antena.core.notes import Note, note
from antena.core.progress import Progress, no_progress
from antena.core.routeros.client import RouterConnection, Row
from antena.core.routeros.ops import (
    OpKind,
    OpResult,
    Outcome,
    PlanSpec,
    RouterOp,
    ServiceSpec,
    client_id_from_comment,
    plan_id_from_comment,
)
from antena.core.routeros.plans import PATH_NOUNS, PLAN_PATHS, plan_objects, row_role
from antena.core.routeros.provisioning import Actions, Snapshot, apply_op, plan
from antena.core.routeros.services import (
    ADDRESS_LIST,
    HOTSPOT_USER,
    PPP_SECRET,
    SERVICE_KINDS,
    SESSION_PATHS,
    remove_ids,
)

MISSING, EXTRA, DIFFERENT, SUSPENSION = "missing", "extra", "different", "suspension"


@dataclass(frozen=True)
class DriftItem:
    """One finding; exactly one of ``op`` / ``remove`` says how to repair it."""

    kind: str  # missing | extra | different | suspension
    client_id: int | None
    note: Note  # what was found, rendered where it is shown (``wording.render``)
    fields: tuple[str, ...] = ()  # for "different": which ServiceSpec fields differ
    op: RouterOp | None = None
    remove: tuple[str, str] | None = None  # (menu path, row id) of an object to delete


@dataclass
class DriftReport:
    items: list[DriftItem] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.items

    def of(self, kind: str) -> list[DriftItem]:
        return [item for item in self.items if item.kind == kind]

    @property
    def missing(self) -> list[DriftItem]:
        return self.of(MISSING)

    @property
    def extra(self) -> list[DriftItem]:
        return self.of(EXTRA)

    @property
    def different(self) -> list[DriftItem]:
        return self.of(DIFFERENT)

    @property
    def suspension(self) -> list[DriftItem]:
        return self.of(SUSPENSION)


def _label(row: Row) -> str:
    if "list" in row:
        return f"{row.get('address', '')} ({row.get('list', '')})"
    return row.get("name", row.get(".id", ""))


def _writes(actions: Actions) -> bool:
    """A plan's writes that matter for drift: a suspended client online again is normal."""
    return bool(actions.adds or actions.sets or any(path not in SESSION_PATHS for path, _ in actions.removes))


async def _read(conn: RouterConnection, path: str, proplist: Sequence[str] | None = None) -> list[Row]:
    """A whole table; a menu the router lacks (no hotspot package) holds nothing of ours."""
    try:
        return await conn.print(path, proplist=proplist)
    except RouterUnreachable:
        raise
    except RouterError as exc:
        if "no such command" in exc.message:
            return []
        raise


async def check_plans(conn: RouterConnection, expected: Sequence[PlanSpec]) -> list[DriftItem]:
    """Each plan's profile or PCQ queues: missing, different or duplicated; and objects carrying
    a plan comment that no plan owns any more (one ``print`` per menu)."""
    tables = {path: await _read(conn, path) for path in PLAN_PATHS}
    items: list[DriftItem] = []
    for spec in expected:
        problems: list[Note] = []
        for obj in plan_objects(spec):
            rows = [
                row
                for row in tables[obj.path]
                if row.get("comment") == spec.comment and row_role(obj.path, row) == obj.role
            ]
            if not rows:
                problems.append(obj.note("object_missing"))
            elif changes := obj.differences(rows[0]):
                problems.append(obj.note("object_differs", fields=sorted(changes)))
            elif len(rows) > 1:
                problems.append(obj.note("object_duplicated"))
        if problems:
            items.append(
                DriftItem(
                    MISSING if all(p.code == "object_missing" for p in problems) else DIFFERENT,
                    None,
                    note("plan_drift", name=spec.name, problems=problems),
                    op=RouterOp.for_plan(OpKind.UPSERT_PLAN, spec),
                )
            )
    wanted = {spec.plan_id for spec in expected}
    for path, rows in tables.items():
        for row in rows:
            plan_id = plan_id_from_comment(row.get("comment"))
            if plan_id is not None and plan_id not in wanted:
                items.append(
                    DriftItem(
                        EXTRA,
                        None,
                        note(
                            "orphan_plan_object",
                            noun=PATH_NOUNS.get(path, path),
                            name=_label(row),
                            comment=row.get("comment", ""),
                        ),
                        remove=(path, row[".id"]),
                    )
                )
    return items


async def check_drift(
    conn: RouterConnection,
    expected: Sequence[ServiceSpec],
    suspended: Collection[int],
    suspend_list: str = "morosos",
    plans: Sequence[PlanSpec] | None = None,
) -> DriftReport:
    """Compare the router with ``expected`` services and the ``suspended`` client ids
    (one ``print`` per table: PPP secrets, Hotspot users, simple queues, address lists), and,
    given ``plans``, the plans' own objects (reported first: profiles come before secrets)."""
    tables = {
        kind.path: await _read(conn, kind.path)
        for kind in SERVICE_KINDS.values()
        if kind.path != ADDRESS_LIST
    }
    lists = await _read(conn, ADDRESS_LIST, (".id", "list", "address", "comment"))
    tables[ADDRESS_LIST] = [row for row in lists if row.get("list") != suspend_list]
    entries = [row for row in lists if row.get("list") == suspend_list]

    # router objects of ours, per menu and client, in print order
    ours: dict[str, dict[int, list[Row]]] = {}
    for path, rows in tables.items():
        ours[path] = defaultdict(list)
        for row in rows:
            client_id = client_id_from_comment(row.get("comment"))
            if client_id is not None:
                ours[path][client_id].append(row)

    report = DriftReport()
    if plans is not None:
        report.items.extend(await check_plans(conn, plans))
    expected_in: dict[str, set[int]] = defaultdict(set)
    for spec in expected:
        kind = SERVICE_KINDS[spec.service_type]
        expected_in[kind.path].add(spec.client_id)
        found = ours[kind.path].get(spec.client_id, [])
        upsert = RouterOp(OpKind.UPSERT_SERVICE, spec, suspend_list)
        if not found:
            report.items.append(
                DriftItem(MISSING, spec.client_id, kind.note("not_on_router", spec), op=upsert)
            )
            continue
        changes = kind.differences(spec, found[0])
        if changes:
            labels = tuple(kind.labels(changes))
            report.items.append(
                DriftItem(
                    DIFFERENT,
                    spec.client_id,
                    kind.note("differs", spec, fields=list(labels)),
                    fields=labels,
                    op=upsert,
                )
            )
        for row in found[1:]:
            report.items.append(
                DriftItem(
                    EXTRA,
                    spec.client_id,
                    note("duplicate", noun=kind.noun, name=_label(row)),
                    remove=(kind.path, row[".id"]),
                )
            )

    for kind in SERVICE_KINDS.values():
        for client_id, rows in ours[kind.path].items():
            if client_id in expected_in[kind.path]:
                continue
            for row in rows:
                report.items.append(
                    DriftItem(
                        EXTRA,
                        client_id,
                        note("not_expected", noun=kind.noun, name=_label(row), comment=row.get("comment")),
                        remove=(kind.path, row[".id"]),
                    )
                )

    snap = Snapshot(entries=entries, secrets=tables[PPP_SECRET], users=tables[HOTSPOT_USER])
    expected_ids = {spec.client_id for spec in expected}
    for spec in expected:
        should = spec.client_id in suspended
        op = RouterOp(OpKind.SUSPEND if should else OpKind.ACTIVATE, spec, suspend_list)
        try:
            actions = plan(op, snap)
            pending, detail = _writes(actions), actions.result
        except RouterError as exc:  # e.g. nothing to suspend yet: the service repair comes first
            pending, detail = True, [exc.note]
        if pending:
            finding = (
                note("should_be_suspended", name=spec.name, detail=detail)
                if should
                else note("should_not_be_suspended", name=spec.name, list=suspend_list, detail=detail)
            )
            report.items.append(DriftItem(SUSPENSION, spec.client_id, finding, op=op))
    for row in entries:
        client_id = client_id_from_comment(row.get("comment"))
        if client_id is not None and client_id not in expected_ids:
            report.items.append(
                DriftItem(
                    EXTRA,
                    client_id,
                    note("orphan_suspension", ip=row.get("address", ""), list=suspend_list),
                    remove=(ADDRESS_LIST, row[".id"]),
                )
            )
    return report


async def repair_drift(
    conn: RouterConnection, report: DriftReport, progress: Progress = no_progress
) -> list[OpResult]:
    """Apply every repair; results follow ``report.items``. Order: delete extras (freeing names),
    create or fix plans and services, then suspend/activate. Stops at the first sign the router
    is gone. ``progress`` hears how many findings are done."""
    results: dict[int, OpResult] = {}
    removals: dict[str, list[int]] = defaultdict(list)
    for n, item in enumerate(report.items):
        if item.remove is not None:
            removals[item.remove[0]].append(n)
    steps: list[tuple[str, list[int]]] = list(removals.items())
    steps += [("", [n]) for n, item in enumerate(report.items) if item.op and item.kind != SUSPENSION]
    steps += [("", [n]) for n, item in enumerate(report.items) if item.op and item.kind == SUSPENSION]

    lost: Note | None = None
    done = 0
    progress(0, len(report.items))
    for path, indices in steps:
        before = conn.commands
        try:
            if path:
                ids = [report.items[n].remove[1] for n in indices]  # type: ignore[index]
                await remove_ids(conn, path, ids)
                removed = [note("removed_from", path=path)]
                outcome = OpResult(Outcome.APPLIED, removed, conn.commands - before)
            else:
                op = report.items[indices[0]].op
                assert op is not None
                outcome = OpResult(Outcome.APPLIED, await apply_op(conn, op), conn.commands - before)
        except RouterUnreachable as exc:
            lost = exc.note
            outcome = OpResult(Outcome.UNREACHABLE, [exc.note], conn.commands - before)
        except RouterError as exc:
            outcome = OpResult(Outcome.REFUSED, [exc.note], conn.commands - before)
        for n in indices:
            results[n] = outcome
        done += len(indices)
        progress(done, len(report.items))
        if lost:
            break
    skipped = note("not_attempted", reason=lost) if lost else note("not_attempted")
    return [results.get(n) or OpResult(Outcome.SKIPPED, [skipped]) for n in range(len(report.items))]
