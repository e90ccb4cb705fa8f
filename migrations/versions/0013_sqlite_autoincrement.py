"""sqlite autoincrement: ids are never reused

Revision ID: 0013
Revises: 0016
Create Date: 2026-12-01 22:00:00.000000

Without AUTOINCREMENT SQLite gives a deleted row's id to the next row: after client #17 was
deleted the next new client became #17 and took over #17's queue on the router. Every table whose
primary key is one INTEGER column is rebuilt with AUTOINCREMENT (batch "recreate": copy, drop,
rename), keeping every id, index and constraint. The tables are found when the migration runs, so
tables added by migrations before this one are covered too. ``antena.core.db.migrate`` runs
migrations with SQLite's foreign keys off, so rebuilding ``clients`` cascades nothing.

Each new sequence starts at the highest id the table holds; the clients' one at the highest
client id anything still remembers (router tasks, messages, used tokens), so a client deleted
before this upgrade does not hand its id on either. PostgreSQL: nothing to do, sequences never
reuse ids.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SKIP = {"alembic_version", "sqlite_sequence"}
# Columns that hold client ids without a foreign key (the row outlives the client).
CLIENT_REFERENCES = (("router_tasks", "client_id"), ("messages", "client_id"), ("used_tokens", "client_id"))


def _integer_key_tables(bind: sa.engine.Connection, *, with_autoincrement: bool) -> list[str]:
    """Tables whose primary key is a single INTEGER column, with or without AUTOINCREMENT now."""
    inspector = sa.inspect(bind)
    found = []
    for name in inspector.get_table_names():
        if name in SKIP or name.startswith("_alembic_tmp"):
            continue
        pk = inspector.get_pk_constraint(name)["constrained_columns"]
        if len(pk) != 1:
            continue
        column = next(c for c in inspector.get_columns(name) if c["name"] == pk[0])
        if str(column["type"]).upper() != "INTEGER":
            continue
        sql = bind.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type='table' AND name=?", (name,)
        ).scalar()
        if ("AUTOINCREMENT" in (sql or "").upper()) == with_autoincrement:
            found.append(name)
    return found


def _rebuild(name: str, autoincrement: bool) -> None:
    with op.batch_alter_table(name, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}):
        pass


def _seed_client_sequence(bind: sa.engine.Connection) -> None:
    inspector = sa.inspect(bind)
    tables = set(inspector.get_table_names())
    highest = [bind.exec_driver_sql("SELECT max(id) FROM clients").scalar() or 0]
    for table, column in CLIENT_REFERENCES:
        if table in tables and column in {c["name"] for c in inspector.get_columns(table)}:
            highest.append(bind.exec_driver_sql(f"SELECT max({column}) FROM {table}").scalar() or 0)
    top = max(highest)
    if not top:
        return
    bind.exec_driver_sql("DELETE FROM sqlite_sequence WHERE name = 'clients'")
    bind.exec_driver_sql("INSERT INTO sqlite_sequence (name, seq) VALUES ('clients', ?)", (top,))


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    tables = _integer_key_tables(bind, with_autoincrement=False)
    for name in tables:
        _rebuild(name, True)
    if "clients" in tables:
        _seed_client_sequence(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    for name in _integer_key_tables(bind, with_autoincrement=True):
        _rebuild(name, False)
