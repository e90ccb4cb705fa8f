"""exactly once: router task keys, staff messages, one payment per client reference

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("router_tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key", sa.String(length=160), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_router_tasks_key"), ["key"])
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("staff_chat_id", sa.BigInteger(), nullable=True))
    # Earlier versions let a client reuse a reference: keep every payment, suffix the repeats.
    op.execute(
        """
        UPDATE payments SET reference = substr(reference, 1, 100) || ' (#' || id || ')'
        WHERE reference IS NOT NULL AND id NOT IN (
            SELECT min(id) FROM payments WHERE reference IS NOT NULL GROUP BY client_id, reference
        )
        """
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_payments_client_reference", ["client_id", "reference"])


def downgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_constraint("uq_payments_client_reference", type_="unique")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("staff_chat_id")
    with op.batch_alter_table("router_tasks", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_router_tasks_key"), type_="unique")
        batch_op.drop_column("key")
