"""Create the attendance plugin's tables.

Revision ID: attendance_0001
Depends on: 0002 (core)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "attendance_0001"
down_revision = None
branch_labels = ("attendance",)
depends_on = "0002"


def upgrade() -> None:
    op.create_table(
        "attendance_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("activity_id", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("start_us", sa.BigInteger(), nullable=False),
        sa.Column("end_us", sa.BigInteger(), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("meeting_id", sa.String(200), nullable=True),
        sa.Column("platform", sa.String(40), nullable=True),
        sa.Column("instructor", sa.Text(), nullable=True),
        sa.Column("roster_people", sa.Text(), nullable=False),
        sa.Column("roster_groups", sa.Text(), nullable=False),
        sa.Column("registration", sa.String(36), nullable=False),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.Column("updated_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_attendance_sessions"),
    )
    op.create_index(
        "uq_attendance_sessions_tenant_key",
        "attendance_sessions",
        ["tenant_id", "key"],
        unique=True,
    )
    op.create_table(
        "attendance_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("raw_name", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("external_id", sa.Text(), nullable=True),
        sa.Column("join_us", sa.BigInteger(), nullable=True),
        sa.Column("leave_us", sa.BigInteger(), nullable=True),
        sa.Column("present", sa.Boolean(), nullable=True),
        sa.Column("duration_s", sa.Integer(), nullable=True),
        sa.Column("origin", sa.Text(), nullable=False),
        sa.Column("employee_id", sa.String(200), nullable=True),
        sa.Column("matched_by", sa.String(20), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_attendance_rows"),
    )
    op.create_index(
        "ix_attendance_rows_session_source", "attendance_rows", ["session_id", "source"]
    )
    op.create_table(
        "attendance_outcomes",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.String(200), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=True),
        sa.Column("seconds", sa.Integer(), nullable=False),
        sa.Column("share", sa.Float(), nullable=False),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("left_early", sa.Boolean(), nullable=False),
        sa.Column("basis", sa.String(10), nullable=False),
        sa.Column("matched_by", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.String(36), nullable=True),
        sa.Column("agent_key", sa.Text(), nullable=True),
        sa.Column("updated_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("session_id", "employee_id", name="pk_attendance_outcomes"),
    )
    op.create_index("ix_attendance_outcomes_agent_key", "attendance_outcomes", ["agent_key"])
    op.create_table(
        "attendance_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("identity", sa.String(900), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("raw_name", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("external_id", sa.Text(), nullable=True),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("candidates", sa.Text(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("employee_id", sa.String(200), nullable=True),
        sa.Column("resolved_by", sa.Text(), nullable=True),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.Column("resolved_us", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_attendance_reviews"),
    )
    op.create_index(
        "uq_attendance_reviews_session_identity",
        "attendance_reviews",
        ["session_id", "identity"],
        unique=True,
    )
    op.create_index(
        "ix_attendance_reviews_tenant_status", "attendance_reviews", ["tenant_id", "status"]
    )
    op.create_table(
        "attendance_decisions",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("identity", sa.String(900), nullable=False),
        sa.Column("employee_id", sa.String(200), nullable=True),
        sa.Column("decided_by", sa.Text(), nullable=False),
        sa.Column("decided_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "identity", name="pk_attendance_decisions"),
    )


def downgrade() -> None:
    for table in (
        "attendance_decisions",
        "attendance_reviews",
        "attendance_outcomes",
        "attendance_rows",
        "attendance_sessions",
    ):
        op.drop_table(table)
