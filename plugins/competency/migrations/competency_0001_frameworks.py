"""Create the competency plugin's framework tables.

Revision ID: competency_0001_frameworks
Depends on: 0002 (core)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "competency_0001_frameworks"
down_revision = None
branch_labels = ("competency",)
depends_on = "0002"


def upgrade() -> None:
    op.create_table(
        "competency_frameworks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("identifier", sa.String(200), nullable=False),
        sa.Column("uri", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("creator", sa.Text(), nullable=False),
        sa.Column("version", sa.Text(), nullable=True),
        sa.Column("last_change", sa.String(40), nullable=False),
        sa.Column("source_format", sa.String(10), nullable=False),
        sa.Column("imported_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_competency_frameworks"),
    )
    op.create_index(
        "uq_competency_frameworks_tenant_identifier",
        "competency_frameworks",
        ["tenant_id", "identifier"],
        unique=True,
    )
    op.create_table(
        "competency_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("framework_id", sa.Integer(), nullable=False),
        sa.Column("identifier", sa.String(200), nullable=False),
        sa.Column("uri", sa.String(900), nullable=False),
        sa.Column("full_statement", sa.Text(), nullable=False),
        sa.Column("human_coding_scheme", sa.Text(), nullable=True),
        sa.Column("item_type", sa.Text(), nullable=True),
        sa.Column("last_change", sa.String(40), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_competency_items"),
    )
    op.create_index(
        "uq_competency_items_framework_uri",
        "competency_items",
        ["framework_id", "uri"],
        unique=True,
    )
    op.create_index(
        "ix_competency_items_framework_identifier",
        "competency_items",
        ["framework_id", "identifier"],
    )
    op.create_table(
        "competency_associations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("framework_id", sa.Integer(), nullable=False),
        sa.Column("identifier", sa.String(200), nullable=False),
        sa.Column("uri", sa.Text(), nullable=False),
        sa.Column("association_type", sa.String(100), nullable=False),
        sa.Column("origin_uri", sa.Text(), nullable=False),
        sa.Column("destination_uri", sa.Text(), nullable=False),
        sa.Column("sequence_number", sa.Integer(), nullable=True),
        sa.Column("last_change", sa.String(40), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_competency_associations"),
    )
    op.create_index(
        "uq_competency_associations_framework_identifier",
        "competency_associations",
        ["framework_id", "identifier"],
        unique=True,
    )
    op.create_table(
        "competency_item_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("change", sa.String(10), nullable=False),
        sa.Column("from_version", sa.Integer(), nullable=False),
        sa.Column("from_last_change", sa.String(40), nullable=False),
        sa.Column("to_last_change", sa.String(40), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("changed_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_competency_item_history"),
    )
    op.create_index("ix_competency_item_history_item", "competency_item_history", ["item_id"])


def downgrade() -> None:
    for table in (
        "competency_item_history",
        "competency_associations",
        "competency_items",
        "competency_frameworks",
    ):
        op.drop_table(table)
