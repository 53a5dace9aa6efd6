"""Create the competency plugin's credential signing keys table (one key per store).

Revision ID: competency_0003_issuer_keys
Revises: competency_0002_evidence
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "competency_0003_issuer_keys"
down_revision = "competency_0002_evidence"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "competency_issuer_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("kid", sa.String(100), nullable=False),
        sa.Column("algorithm", sa.String(10), nullable=False),
        sa.Column("public_jwk", sa.Text(), nullable=False),
        sa.Column("sealed_private_jwk", sa.Text(), nullable=False),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_competency_issuer_keys"),
    )
    op.create_index(
        "uq_competency_issuer_keys_tenant", "competency_issuer_keys", ["tenant_id"], unique=True
    )


def downgrade() -> None:
    op.drop_table("competency_issuer_keys")
