"""Record filtered and managers' dashboards (``kpi_views``, plugins/kpi/views.py).

Revision ID: kpi_0003_views
Revises: kpi_0002_early_warning
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "kpi_0003_views"
down_revision = "kpi_0002_early_warning"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kpi_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("view", sa.Text(), nullable=False),
        sa.Column("as_of", sa.String(10), nullable=False),
        sa.Column("definitions", sa.String(64), nullable=False),
        sa.Column("tiles", sa.Text(), nullable=False),
        sa.Column("people", sa.Text(), nullable=False),
        sa.Column("computed_us", sa.BigInteger(), nullable=False),
        sa.Column("requested_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_kpi_views"),
    )
    op.create_index("uq_kpi_views_tenant_key", "kpi_views", ["tenant_id", "key"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_kpi_views_tenant_key", table_name="kpi_views")
    op.drop_table("kpi_views")
