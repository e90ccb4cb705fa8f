"""Many rows in one driver ``executemany``: what the invoice run, the cut-off and the reminders write.

SQLAlchemy's Core ``execute(table.insert(), [dict, …])`` builds and processes one parameter dict per
row; at 30,000–100,000 rows that bookkeeping costs more than the database itself. Here the
statement is compiled once for the dialect, every value still goes through its column type's bind
processor (``Money``, dates, enums, JSON), but column by column and once per distinct value, and the
rows go to the driver's own ``executemany`` (sqlite3's C loop, asyncpg's pipelined prepared
statement; on PostgreSQL a plain insert is a binary ``COPY``), in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table, bindparam
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

#: Column types whose values repeat a lot (dates, enums, money) are processed once per distinct
#: value; unhashable values (JSON dicts) are processed one by one.
_MEMO_LIMIT = 50_000


async def insert_many(
    session: AsyncSession,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    skip_conflicts_on: Sequence[str] | None = None,
) -> None:
    """``INSERT`` ``rows`` (tuples in ``columns`` order); with ``skip_conflicts_on`` (the columns of a
    unique index) a row that would duplicate one already there is skipped (``ON CONFLICT DO NOTHING``)."""
    if not rows:
        return
    conn = await session.connection()
    dialect = conn.dialect
    values_clause = {name: bindparam(name, type_=table.c[name].type) for name in columns}
    if skip_conflicts_on is not None:
        maker = pg_insert if dialect.name == "postgresql" else sqlite_insert
        stmt: Any = (
            maker(table).values(values_clause).on_conflict_do_nothing(index_elements=list(skip_conflicts_on))
        )
    else:
        stmt = table.insert().values(values_clause)
    compiled = stmt.compile(dialect=dialect, for_executemany=True)
    order = list(compiled.positiontup or ())
    if not compiled.positional or sorted(order) != sorted(columns):
        # a dialect with named parameters: the portable (slower) way
        await session.execute(stmt, [dict(zip(columns, row, strict=True)) for row in rows])
        return
    by_name = dict(zip(columns, zip(*rows, strict=True), strict=True))
    values: list[Sequence[Any]] = [by_name[name] for name in order]  # the statement's own order
    for i, name in enumerate(order):
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if process is None:
            continue
        column = values[i]
        try:
            distinct = set(column)
        except TypeError:  # unhashable (a JSON dict): each value on its own
            values[i] = [process(v) for v in column]
            continue
        if len(distinct) > _MEMO_LIMIT:
            values[i] = [process(v) for v in column]
        else:
            memo = {v: process(v) for v in distinct}
            values[i] = [memo[v] for v in column]
    records = list(zip(*values, strict=True))
    if dialect.name == "postgresql" and skip_conflicts_on is None:
        await _copy(session, table, order, records)
        return
    await conn.exec_driver_sql(str(compiled), records)


async def _copy(
    session: AsyncSession, table: Table, columns: list[str], records: list[tuple[Any, ...]]
) -> None:
    """PostgreSQL: ``COPY … FROM STDIN`` (binary) through asyncpg, in the session's transaction."""
    conn = await session.connection()
    raw = await conn.get_raw_connection()
    driver: Any = raw.driver_connection
    if not driver.is_in_transaction():  # the adapter begins lazily: make the COPY part of it
        await conn.exec_driver_sql("SELECT 1")
    await driver.copy_records_to_table(table.name, records=records, columns=columns, schema_name=table.schema)


async def execute_many(session: AsyncSession, stmt: Any, rows: Sequence[Mapping[str, Any]]) -> None:
    """Any statement with named bind parameters (an ``UPDATE … WHERE id = :tid``) over many rows:
    compiled once, each value through its type's bind processor, the rows to the driver's own
    ``executemany`` (a cut-off records 30,000 task results: SQLAlchemy's per-row parameter
    bookkeeping cost more than SQLite's work). Values the statement carries itself (``.values(x=1)``,
    ``WHERE status = 'pending'``) are taken from it, processed once. Every row has the same keys."""
    if not rows:
        return
    conn = await session.connection()
    dialect = conn.dialect
    compiled = stmt.compile(dialect=dialect, for_executemany=True)
    order = list(compiled.positiontup or ())
    python_side = getattr(compiled, "insert_prefetch", None) or getattr(compiled, "update_prefetch", None)
    if not compiled.positional or python_side or any("POSTCOMPILE" in str(name) for name in order):
        await session.execute(stmt, list(rows))  # named parameters, or defaults computed in Python
        return
    processors = [compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in order]
    varying = set(rows[0])
    # the statement's own values are the same on every row: processed once
    fixed = {
        name: process(compiled.params[name]) if process is not None else compiled.params[name]
        for name, process in zip(order, processors, strict=True)
        if name not in varying
    }
    slots = [
        (i, name, process)
        for i, (name, process) in enumerate(zip(order, processors, strict=True))
        if name in varying
    ]
    template = [None if name in varying else fixed[name] for name in order]
    records = []
    for row in rows:
        record = template.copy()
        for i, name, process in slots:
            value = row[name]
            record[i] = process(value) if process is not None else value
        records.append(tuple(record))
    await conn.exec_driver_sql(str(compiled), records)
