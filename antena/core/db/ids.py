"""``column IN (…)`` for thousands of ids with ONE bound parameter.

``column.in_(ids)`` renders one parameter per id, each coerced and processed by SQLAlchemy (a
cut-off's 30,000 clients were 60 statements and 200,000 parameter objects) and capped by the
driver's limit (32,766 on SQLite, 32,767 on asyncpg). Here the ids travel as one value: a JSON
array read by SQLite's ``json_each``, or an ``integer[]`` compared with PostgreSQL's ``= ANY``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, Integer, String, any_, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession


def dialect_of(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind is not None else "sqlite"


def among(session: AsyncSession, column: Any, ids: Iterable[int]) -> ColumnElement[bool]:
    """``column`` is one of ``ids`` (integers), as one parameter for the session's database."""
    values = [int(i) for i in ids]
    if dialect_of(session) == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(Integer())))  # type: ignore[no-any-return]
    listed = func.json_each(bindparam(None, json.dumps(values), type_=String())).table_valued("value")
    return column.in_(select(listed.c.value))  # type: ignore[no-any-return]
