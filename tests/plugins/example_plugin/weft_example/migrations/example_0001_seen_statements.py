"""Create the example plugin's table.

Revision ID: example_0001
Depends on: 0002 (core)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "example_0001"
down_revision = None
branch_labels = ("example",)
depends_on = "0002"


def upgrade() -> None:
    op.create_table(
        "example_seen_statements",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.String(36), nullable=False),
        sa.Column("verb_id", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "statement_id", name="pk_example_seen_statements"),
    )


def downgrade() -> None:
    op.drop_table("example_seen_statements")
