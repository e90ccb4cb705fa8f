"""Declarative base with a naming convention, so Alembic batch migrations can name constraints."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, Integer, MetaData, Table
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from antena.core.db.types import UTCDateTime, utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def surrogate_key(table: Table) -> str | None:
    """The name of ``table``'s own integer id (one INTEGER primary key, not a foreign key), if any."""
    columns = list(table.primary_key.columns)
    if len(columns) != 1:
        return None
    (column,) = columns
    if not isinstance(column.type, Integer) or isinstance(column.type, BigInteger) or column.foreign_keys:
        return None
    return column.name


class Base(DeclarativeBase):
    """Every table of the product. Tables with an integer id get SQLite's ``AUTOINCREMENT``:
    without it SQLite hands a deleted row's id to the next row (a new client #17 would inherit
    the old #17's router entries, messages and history); PostgreSQL sequences never reuse ids."""

    metadata = MetaData(naming_convention=NAMING)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        table = cls.__dict__.get("__table__")
        if isinstance(table, Table) and surrogate_key(table) is not None:
            table.dialect_kwargs["sqlite_autoincrement"] = True


class Timestamped:
    """When a row was created: every table an operator looks at has it."""

    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
