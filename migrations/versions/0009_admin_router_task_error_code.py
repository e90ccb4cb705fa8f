"""router task error code (a refused login stands out and is retried slowly)

Revision ID: 0009
Revises: 0014
Create Date: 2026-12-01 21:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("router_tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("error_code", sa.String(length=30), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("router_tasks", schema=None) as batch_op:
        batch_op.drop_column("error_code")
