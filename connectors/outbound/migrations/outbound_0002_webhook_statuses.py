"""The compliance statuses each webhook instance last posted, and when it last looked.

Revision ID: outbound_0002
Revises: outbound_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "outbound_0002"
down_revision = "outbound_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_statuses",
        sa.Column("instance_id", sa.BigInteger(), nullable=False),
        sa.Column("assignment_id", sa.BigInteger(), nullable=False),
        sa.Column("employee_id", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("due", sa.String(10), nullable=False),
        sa.PrimaryKeyConstraint("instance_id", "assignment_id", "employee_id",
                                name="pk_webhook_statuses"),
    )
    op.create_table(
        "webhook_status_checks",
        sa.Column("instance_id", sa.BigInteger(), nullable=False),
        sa.Column("checked_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("instance_id", name="pk_webhook_status_checks"),
    )


def downgrade() -> None:
    op.drop_table("webhook_status_checks")
    op.drop_table("webhook_statuses")
