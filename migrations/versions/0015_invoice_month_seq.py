"""a second manual Internet invoice in a month: month_seq in the one-per-month key

Revision ID: 0015
Revises: 0009
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE_INTERNET = "kind = 'internet' AND status <> 'cancelled'"


def upgrade() -> None:
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("month_seq", sa.Integer(), server_default=sa.text("0"), nullable=False))
        batch_op.drop_index(
            "uq_invoices_internet_month",
            sqlite_where=sa.text(LIVE_INTERNET),
            postgresql_where=sa.text(LIVE_INTERNET),
        )
        batch_op.create_index(
            "uq_invoices_internet_month",
            ["client_id", "issue_month", "month_seq"],
            unique=True,
            sqlite_where=sa.text(LIVE_INTERNET),
            postgresql_where=sa.text(LIVE_INTERNET),
        )


def downgrade() -> None:
    # Further invoices of a month would break the old key: they must be cancelled first.
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_invoices_internet_month",
            sqlite_where=sa.text(LIVE_INTERNET),
            postgresql_where=sa.text(LIVE_INTERNET),
        )
        batch_op.create_index(
            "uq_invoices_internet_month",
            ["client_id", "issue_month"],
            unique=True,
            sqlite_where=sa.text(LIVE_INTERNET),
            postgresql_where=sa.text(LIVE_INTERNET),
        )
        batch_op.drop_column("month_seq")
