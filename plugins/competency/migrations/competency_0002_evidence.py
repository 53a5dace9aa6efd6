"""Create the competency plugin's evidence rule, evidence and attainment tables.

Revision ID: competency_0002_evidence
Revises: competency_0001_frameworks
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "competency_0002_evidence"
down_revision = "competency_0001_frameworks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "competency_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("target_kind", sa.String(20), nullable=False),
        sa.Column("target", sa.String(900), nullable=False),
        sa.Column("competencies", sa.Text(), nullable=False),
        sa.Column("verbs", sa.Text(), nullable=False),
        sa.Column("min_scaled", sa.Float(), nullable=True),
        sa.Column("success_required", sa.Boolean(), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("valid_days", sa.Integer(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.Column("updated_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_competency_rules"),
    )
    op.create_index(
        "ix_competency_rules_tenant_target", "competency_rules", ["tenant_id", "target"]
    )
    op.create_table(
        "competency_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(200), nullable=False),
        sa.Column("competency_uri", sa.String(900), nullable=False),
        sa.Column("statement_id", sa.String(36), nullable=False),
        sa.Column("route", sa.String(10), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=True),
        sa.Column("verb", sa.Text(), nullable=False),
        sa.Column("positive", sa.Boolean(), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("scaled", sa.Float(), nullable=True),
        sa.Column("occurred_us", sa.BigInteger(), nullable=False),
        sa.Column("expires_us", sa.BigInteger(), nullable=True),
        sa.Column("recorded_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_competency_evidence"),
    )
    op.create_index(
        "uq_competency_evidence_person_competency_statement",
        "competency_evidence",
        ["tenant_id", "person_id", "competency_uri", "statement_id"],
        unique=True,
    )
    op.create_index(
        "ix_competency_evidence_tenant_statement",
        "competency_evidence",
        ["tenant_id", "statement_id"],
    )
    op.create_table(
        "competency_attainments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(200), nullable=False),
        sa.Column("competency_uri", sa.String(900), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("evidence_count", sa.Integer(), nullable=False),
        sa.Column("first_attained_us", sa.BigInteger(), nullable=True),
        sa.Column("attained_since_us", sa.BigInteger(), nullable=True),
        sa.Column("lapses_us", sa.BigInteger(), nullable=True),
        sa.Column("updated_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_competency_attainments"),
    )
    op.create_index(
        "uq_competency_attainments_person_competency",
        "competency_attainments",
        ["tenant_id", "person_id", "competency_uri"],
        unique=True,
    )
    op.create_index(
        "ix_competency_attainments_tenant_competency",
        "competency_attainments",
        ["tenant_id", "competency_uri"],
    )
    op.create_index("ix_competency_attainments_lapses", "competency_attainments", ["lapses_us"])
    op.create_table(
        "competency_attainment_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(200), nullable=False),
        sa.Column("competency_uri", sa.String(900), nullable=False),
        sa.Column("from_state", sa.String(20), nullable=False),
        sa.Column("to_state", sa.String(20), nullable=False),
        sa.Column("effective_us", sa.BigInteger(), nullable=False),
        sa.Column("statement_id", sa.String(36), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_competency_attainment_history"),
    )
    op.create_index(
        "ix_competency_attainment_history_person",
        "competency_attainment_history",
        ["tenant_id", "person_id"],
    )


def downgrade() -> None:
    op.drop_table("competency_attainment_history")
    op.drop_table("competency_attainments")
    op.drop_table("competency_evidence")
    op.drop_table("competency_rules")
