"""Create the kpi plugin's tables: definitions, rollups, results and alerts.

Revision ID: kpi_0001_definitions
Depends on: 0002 (core)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "kpi_0001_definitions"
down_revision = None
branch_labels = ("kpi",)
depends_on = "0002"


def upgrade() -> None:
    op.create_table(
        "kpi_definitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("spec", sa.Text(), nullable=False),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.Column("updated_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_kpi_definitions"),
    )
    op.create_index(
        "uq_kpi_definitions_tenant_key", "kpi_definitions", ["tenant_id", "key"], unique=True
    )
    op.create_table(
        "kpi_seen",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "statement_id", name="pk_kpi_seen"),
    )
    op.create_table(
        "kpi_daily",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("learner", sa.String(40), nullable=False),
        sa.Column("activity", sa.String(40), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("statements", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("passes", sa.Integer(), nullable=False),
        sa.Column("completions", sa.Integer(), nullable=False),
        sa.Column("scored", sa.Integer(), nullable=False),
        sa.Column("score_sum", sa.Float(), nullable=False),
        sa.Column("attended", sa.Integer(), nullable=False),
        sa.Column("present", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "learner", "activity", "day", name="pk_kpi_daily"),
    )
    op.create_index("ix_kpi_daily_tenant_day", "kpi_daily", ["tenant_id", "day"])
    op.create_table(
        "kpi_progress",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("learner", sa.String(40), nullable=False),
        sa.Column("activity", sa.String(40), nullable=False),
        sa.Column("activity_iri", sa.Text(), nullable=False),
        sa.Column("first_us", sa.BigInteger(), nullable=False),
        sa.Column("last_us", sa.BigInteger(), nullable=False),
        sa.Column("first_attempt_us", sa.BigInteger(), nullable=True),
        sa.Column("first_attempt_passed", sa.Boolean(), nullable=True),
        sa.Column("first_pass_us", sa.BigInteger(), nullable=True),
        sa.Column("first_completion_us", sa.BigInteger(), nullable=True),
        sa.Column("last_completion_us", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", "learner", "activity", name="pk_kpi_progress"),
    )
    op.create_index("ix_kpi_progress_tenant_activity", "kpi_progress", ["tenant_id", "activity"])
    op.create_table(
        "kpi_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("definition_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(40), nullable=False),
        sa.Column("start_us", sa.BigInteger(), nullable=False),
        sa.Column("end_us", sa.BigInteger(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("target", sa.Float(), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("sample", sa.Integer(), nullable=True),
        sa.Column("trend", sa.Float(), nullable=True),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("evaluated_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_kpi_results"),
    )
    op.create_index(
        "uq_kpi_results_definition_start",
        "kpi_results",
        ["definition_id", "start_us"],
        unique=True,
    )
    op.create_table(
        "kpi_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("definition_id", sa.Integer(), nullable=False),
        sa.Column("kpi", sa.String(200), nullable=False),
        sa.Column("label", sa.String(40), nullable=False),
        sa.Column("previous", sa.String(10), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("target", sa.Float(), nullable=True),
        sa.Column("occurred_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_kpi_alerts"),
    )
    op.create_index("ix_kpi_alerts_tenant_occurred", "kpi_alerts", ["tenant_id", "occurred_us"])


def downgrade() -> None:
    for table in (
        "kpi_alerts",
        "kpi_results",
        "kpi_progress",
        "kpi_daily",
        "kpi_seen",
        "kpi_definitions",
    ):
        op.drop_table(table)
