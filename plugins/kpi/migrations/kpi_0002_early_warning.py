"""Create the early-warning tables of the kpi plugin (plugins/kpi/warning_models.py).

Revision ID: kpi_0002_early_warning
Revises: kpi_0001_definitions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "kpi_0002_early_warning"
down_revision = "kpi_0001_definitions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kpi_warning_rules",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(40), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.Text(), nullable=False),
        sa.Column("updated_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "rule", name="pk_kpi_warning_rules"),
    )
    op.create_table(
        "kpi_warning_activity_days",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.String(200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint(
            "tenant_id", "employee_id", "day", name="pk_kpi_warning_activity_days"
        ),
    )
    op.create_table(
        "kpi_warning_results",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.String(36), nullable=False),
        sa.Column("employee_id", sa.String(200), nullable=False),
        sa.Column("activity_id", sa.Text(), nullable=False),
        sa.Column("verb_id", sa.Text(), nullable=False),
        sa.Column("at_us", sa.BigInteger(), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=True),
        sa.Column("completion", sa.Boolean(), nullable=True),
        sa.Column("completes", sa.Boolean(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", "statement_id", name="pk_kpi_warning_results"),
    )
    op.create_index(
        "ix_kpi_warning_results_tenant_person",
        "kpi_warning_results",
        ["tenant_id", "employee_id"],
    )
    op.create_table(
        "kpi_warning_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.String(200), nullable=False),
        sa.Column("rule", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("manager", sa.String(200), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("as_of", sa.String(10), nullable=False),
        sa.Column("opened_us", sa.BigInteger(), nullable=False),
        sa.Column("updated_us", sa.BigInteger(), nullable=False),
        sa.Column("closed_us", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_kpi_warning_flags"),
    )
    op.create_index(
        "ix_kpi_warning_flags_tenant_status", "kpi_warning_flags", ["tenant_id", "status"]
    )
    op.create_index(
        "ix_kpi_warning_flags_tenant_person",
        "kpi_warning_flags",
        ["tenant_id", "employee_id", "rule"],
    )
    op.create_index(
        "uq_kpi_warning_flags_active",
        "kpi_warning_flags",
        ["tenant_id", "employee_id", "rule"],
        unique=True,
        sqlite_where=sa.text("status <> 'resolved'"),
        postgresql_where=sa.text("status <> 'resolved'"),
    )
    op.create_table(
        "kpi_warning_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flag_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("at_us", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("facts", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_kpi_warning_history"),
    )
    op.create_index("ix_kpi_warning_history_flag_id", "kpi_warning_history", ["flag_id"])
    op.create_table(
        "kpi_warning_runs",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("evaluated_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name="pk_kpi_warning_runs"),
    )


def downgrade() -> None:
    for table in (
        "kpi_warning_runs",
        "kpi_warning_history",
        "kpi_warning_flags",
        "kpi_warning_results",
        "kpi_warning_activity_days",
        "kpi_warning_rules",
    ):
        op.drop_table(table)
