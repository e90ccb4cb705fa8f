"""The real :class:`RouterGateway`: applies operations to one router through librouteros.

A few operations go one by one over a single connection. A big batch (the cut-off day
suspends hundreds of clients) takes the bulk path: read each table it needs once, decide in
memory what is missing, then send only those writes over a few parallel connections, each
client's commands on one connection in order. Either way a result is ``APPLIED`` only when its
writes were answered by the router; whatever was not attempted is ``SKIPPED``, never lost.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from antena.core.config import Settings
from antena.core.errors import RouterError, RouterLoginRefused, RouterUnreachable
from antena.core.notes import Note, note
from antena.core.routeros.client import RouterConnection, open_connections
from antena.core.routeros.ops import OpKind, OpResult, Outcome, RouterAccess, RouterOp
from antena.core.routeros.provisioning import Actions, apply_op, plan, read_snapshot
from antena.core.routeros.services import is_duplicate, is_gone, remove_ids

#: Ids per comma-separated ``remove``/``set``: keeps each API word a sane size.
BATCH_IDS = 500
#: Commands one bulk connection keeps in flight (tagged): the router always has the next one.
PIPELINE_WINDOW = 8
_NONE = Actions()

Props = tuple[tuple[str, str], ...]
_Batch = tuple[tuple[str, str, Props], list[tuple[str, int]]]  # (verb, path, props), [(row id, op)]


def _skipped(reason: Note | None) -> OpResult:
    skipped = note("not_attempted", reason=reason) if reason else note("not_attempted")
    return OpResult(Outcome.SKIPPED, [skipped])


class LibrouterosGateway:
    """Applies :class:`RouterOp` lists to a router (see the module docstring for the two paths)."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        bulk_connections: int | None = None,
        bulk_threshold: int = 16,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        default = settings.router_bulk_connections if settings is not None else 4
        self.bulk_connections = bulk_connections if bulk_connections is not None else default
        self.bulk_threshold = bulk_threshold
        self.ssl_context = ssl_context
        #: API commands sent by this gateway so far (login excluded), for benchmarks and logs.
        self.commands_sent = 0

    async def apply(self, router: RouterAccess, ops: list[RouterOp]) -> list[OpResult]:
        if not ops:
            return []
        if len(ops) >= self.bulk_threshold:  # fewer commands even over a single connection
            return await self._apply_bulk(router, ops)
        return await self._apply_sequential(router, ops)

    # -- one by one -------------------------------------------------------------------------

    async def _apply_sequential(self, router: RouterAccess, ops: list[RouterOp]) -> list[OpResult]:
        try:
            conn = await RouterConnection.open(router, ssl_context=self.ssl_context)
        except RouterLoginRefused as exc:
            return [OpResult(Outcome.LOGIN_REFUSED, [_login(exc)])] * len(ops)
        except RouterUnreachable as exc:
            return [OpResult(Outcome.UNREACHABLE, [exc.note])] + [_skipped(exc.note)] * (len(ops) - 1)
        results: list[OpResult] = []
        try:
            for op in ops:
                before = conn.commands
                try:
                    notes = await apply_op(conn, op)
                    results.append(OpResult(Outcome.APPLIED, notes, conn.commands - before))
                except RouterUnreachable as exc:
                    results.append(OpResult(Outcome.UNREACHABLE, [exc.note], conn.commands - before))
                    results += [_skipped(exc.note)] * (len(ops) - len(results))
                    break
                except RouterError as exc:
                    results.append(OpResult(Outcome.REFUSED, [exc.note], conn.commands - before))
        finally:
            self.commands_sent += conn.commands
            await conn.close()
        return results

    # -- bulk -------------------------------------------------------------------------------

    async def _apply_bulk(self, router: RouterAccess, ops: list[RouterOp]) -> list[OpResult]:
        try:
            async with open_connections(
                router, min(self.bulk_connections, len(ops)), ssl_context=self.ssl_context
            ) as pool:
                run = _BulkRun(ops, pool.connections)
                try:
                    await run.run()
                finally:
                    self.commands_sent += pool.counter.count
                return run.results()
        except RouterLoginRefused as exc:
            return [OpResult(Outcome.LOGIN_REFUSED, [_login(exc)])] * len(ops)
        except RouterUnreachable as exc:
            return [OpResult(Outcome.UNREACHABLE, [exc.note])] + [_skipped(exc.note)] * (len(ops) - 1)


def _login(exc: RouterLoginRefused) -> Note:
    """What a refused login is stored as: the router's own reason (the router is named where shown)."""
    return note("login_failed", why=exc.detail)


@dataclass
class _Unit:
    """Work for one client on one connection: planned adds, or whole ops via ``apply_op``."""

    indices: list[int]
    planned: bool  # True: the client's single SUSPEND/ACTIVATE, decided from the snapshot


class _BulkRun:
    """State of one bulk batch: results so far and the first reason the router went away."""

    def __init__(self, ops: list[RouterOp], connections: list[RouterConnection]) -> None:
        self.ops = ops
        self.conns = connections
        self.done: dict[int, OpResult] = {}
        self.actions: dict[int, Actions] = {}
        self.added: set[int] = set()  # planned ops whose adds the router has answered
        self.pending: dict[int, int] = {}  # planned op → its shared writes not yet answered
        self.lost: Note | None = None  # reason, once any connection found the router gone

    def _fail(self, index: int, exc: RouterError, commands: int = 0) -> None:
        if isinstance(exc, RouterUnreachable):
            self.lost = self.lost or exc.note
            self.done[index] = OpResult(Outcome.UNREACHABLE, [exc.note], commands)
        else:
            self.done[index] = OpResult(Outcome.REFUSED, [exc.note], commands)

    async def run(self) -> None:
        by_client: dict[int, list[int]] = defaultdict(list)
        for index, op in enumerate(self.ops):
            by_client[op.service.client_id].append(index)
        units: list[_Unit] = []
        planned: list[int] = []
        for indices in by_client.values():
            single = len(indices) == 1 and self.ops[indices[0]].kind in (OpKind.SUSPEND, OpKind.ACTIVATE)
            units.append(_Unit(indices, single))
            if single:
                planned.append(indices[0])

        if planned:
            try:
                snap = await read_snapshot(self.conns, [self.ops[i] for i in planned])
            except RouterUnreachable as exc:
                self._fail(planned[0], exc)  # the rest are reported SKIPPED with the same reason
                return
            except RouterError as exc:
                for index in planned:
                    self._fail(index, exc)
                units = [unit for unit in units if not unit.planned]
            else:
                for index in planned:
                    try:
                        actions = self.actions[index] = plan(self.ops[index], snap)
                    except RouterError as exc:
                        self._fail(index, exc)
                        continue
                    self.pending[index] = len(actions.sets) + len(actions.removes)
                    if not actions.adds:
                        self.added.add(index)

        # Phase 1: per-client commands, spread evenly (by weight) over the connections.
        queues: list[list[_Unit]] = [[] for _ in self.conns]
        loads = [0] * len(self.conns)
        for unit in units:
            if unit.planned:
                adds = self.actions[unit.indices[0]].adds if unit.indices[0] in self.actions else []
                if not adds:
                    continue  # refused while planning, or nothing to add: phase 2 only
                weight = len(adds)
            else:
                weight = 3 * len(unit.indices)
            slot = loads.index(min(loads))
            queues[slot].append(unit)
            loads[slot] += weight
        await asyncio.gather(
            *(self._worker(conn, queue) for conn, queue in zip(self.conns, queues, strict=True))
        )

        # Phase 2: the shared writes (disable users, drop sessions, unlist), one command per menu.
        if self.lost is None:
            await self._batched_writes()

    async def _worker(self, conn: RouterConnection, queue: list[_Unit]) -> None:
        # A client whose whole change is one add (a cut-off's suspensions) goes out pipelined;
        # the others one command at a time, each client's commands in order.
        singles = [u for u in queue if u.planned and len(self.actions.get(u.indices[0], _NONE).adds) == 1]
        if len(singles) > 1:
            await self._pipelined_adds(conn, [u.indices[0] for u in singles])
            queue = [
                u for u in queue if not (u.planned and len(self.actions.get(u.indices[0], _NONE).adds) == 1)
            ]
        for unit in queue:
            for index in unit.indices:
                if self.lost is not None:
                    return
                if index in self.done:
                    continue
                before = conn.commands
                try:
                    if unit.planned:
                        await self._planned_adds(conn, index)
                    else:
                        notes = await apply_op(conn, self.ops[index])
                        self.done[index] = OpResult(Outcome.APPLIED, notes, conn.commands - before)
                except RouterError as exc:
                    self._fail(index, exc, conn.commands - before)

    async def _pipelined_adds(self, conn: RouterConnection, indices: list[int]) -> None:
        """The single add of each of these planned ops, sent as one pipeline on ``conn``."""
        if self.lost is not None:
            return
        commands: list[tuple[str, Mapping[str, str]]] = []
        verbs: dict[str, str] = {}
        for index in indices:
            ((path, props),) = self.actions[index].adds
            verb = verbs.get(path) or verbs.setdefault(path, f"{path}/add")
            commands.append((verb, props))  # words encoded as each is sent
        try:
            answers = await conn.pipeline(commands, window=PIPELINE_WINDOW)
        except RouterError as exc:  # the connection was already unusable
            self._fail(indices[0], exc)
            return
        for index, answer in zip(indices, answers, strict=True):
            if not isinstance(answer, RouterError) or (
                is_duplicate(answer) and not isinstance(answer, RouterUnreachable)
            ):
                self.added.add(index)
            elif isinstance(answer, RouterUnreachable):
                if self.lost is None:  # the first unanswered one carries the reason; the rest are skipped
                    self._fail(index, answer, 1)
            else:
                self._fail(index, answer, 1)

    async def _planned_adds(self, conn: RouterConnection, index: int) -> None:
        for path, props in self.actions[index].adds:
            try:
                await conn.add(path, **props)
            except RouterError as exc:
                if not is_duplicate(exc) or isinstance(exc, RouterUnreachable):
                    raise
        self.added.add(index)

    async def _batched_writes(self) -> None:
        live = {index: actions for index, actions in self.actions.items() if index not in self.done}
        groups: dict[tuple[str, str, Props], list[tuple[str, int]]] = defaultdict(list)
        for index, actions in live.items():
            for path, row_id, props in actions.sets:
                groups[("set", path, props)].append((row_id, index))
            for path, row_id in actions.removes:
                groups[("remove", path, ())].append((row_id, index))
        batches = [
            (key, members[start : start + BATCH_IDS])
            for key, members in groups.items()
            for start in range(0, len(members), BATCH_IDS)
        ]
        queues: list[list[_Batch]] = [[] for _ in self.conns]
        for n, batch in enumerate(batches):
            queues[n % len(self.conns)].append(batch)

        async def drain(conn: RouterConnection, queue: Sequence[_Batch]) -> None:
            for (verb, path, props), members in queue:
                if self.lost is not None:
                    return
                await self._write_batch(conn, verb, path, props, members)

        await asyncio.gather(*(drain(conn, queue) for conn, queue in zip(self.conns, queues, strict=True)))

    async def _write_batch(
        self,
        conn: RouterConnection,
        verb: str,
        path: str,
        props: Props,
        members: list[tuple[str, int]],
    ) -> None:
        """One comma-separated set/remove; if the router refuses it, retry row by row so the
        refusal lands on the client it belongs to."""
        ids = list(dict.fromkeys(row_id for row_id, _ in members))
        try:
            if verb == "set":
                await conn.set(path, ids, **dict(props))
            else:
                await remove_ids(conn, path, ids)
        except RouterUnreachable as exc:
            for _, index in members:
                self._fail(index, exc)
            return
        except RouterError:
            pass
        else:
            for _, index in members:
                self.pending[index] -= 1
            return
        for row_id, index in members:
            if index in self.done or self.lost is not None:
                continue
            try:
                if verb == "set":
                    await conn.set(path, row_id, **dict(props))
                else:
                    await conn.remove(path, row_id)
            except RouterError as exc:
                if isinstance(exc, RouterUnreachable) or not (verb == "remove" and is_gone(exc)):
                    self._fail(index, exc)
                    continue
            self.pending[index] -= 1

    def results(self) -> list[OpResult]:
        out: list[OpResult] = []
        for index in range(len(self.ops)):
            if index in self.done:
                out.append(self.done[index])
            elif index in self.added and self.pending.get(index) == 0:
                actions = self.actions[index]
                out.append(OpResult(Outcome.APPLIED, actions.result, len(actions.adds)))
            else:
                out.append(_skipped(self.lost))
        return out
