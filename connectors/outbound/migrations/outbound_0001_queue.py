"""Create the queue of statements owed to outgoing connectors (forwarding, webhook).

Revision ID: outbound_0001
Depends on: 0002 (core)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "outbound_0001"
down_revision = None
branch_labels = ("outbound",)
depends_on = "0002"


def upgrade() -> None:
    op.create_table(
        "outbound_queue",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("instance_id", sa.BigInteger(), nullable=False),
        sa.Column("connector_type", sa.String(100), nullable=False),
        sa.Column("statement_id", sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_outbound_queue"),
    )
    op.create_index("ix_outbound_queue_instance_seq", "outbound_queue", ["instance_id", "seq"])


def downgrade() -> None:
    op.drop_table("outbound_queue")
