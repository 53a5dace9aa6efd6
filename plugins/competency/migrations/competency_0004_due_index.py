"""Index the attainments the sweep looks for by state, not only by lapse date.

The sweep asks for the ``attained`` rows whose ``lapses_us`` has passed. On an index
of ``lapses_us`` alone, every attainment that lost its standing keeps its lapse date
(when it lapsed, in the past) and matched the range too: each delivered batch read all
of them to keep none, a cost that grew with the store (a fifth of the delivery's time
at 200,000 statements). ``(tenant_id, state, lapses_us)`` finds only the due ones.

Revision ID: competency_0004_due_index
Revises: competency_0003_issuer_keys
"""

from __future__ import annotations

from alembic import op

revision = "competency_0004_due_index"
down_revision = "competency_0003_issuer_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_competency_attainments_lapses", table_name="competency_attainments")
    op.create_index(
        "ix_competency_attainments_due",
        "competency_attainments",
        ["tenant_id", "state", "lapses_us"],
    )


def downgrade() -> None:
    op.drop_index("ix_competency_attainments_due", table_name="competency_attainments")
    op.create_index("ix_competency_attainments_lapses", "competency_attainments", ["lapses_us"])
