"""Agent and activity link rows carry their statement's ``stored`` time, indexed in
stored order.

A course's page (``activity`` with ``related_activities=true``: tens of thousands of
statements at 1,000,000 stored) had PostgreSQL walk the statements newest first and
probe the link table for each, about thirty probes per row returned (30 to 47 ms at
p95), and SQLite did the same for an agent's or an activity's few hundred (over
100 ms); with ``stored_us`` after the agent key or activity id, a page is one range
of the link table's index, read in order. A related row beside a plain one of the
same agent or activity is dropped: the join would return its statement twice.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

#: Link table -> (its key column, the index replaced, the index added).
_LINKS = {
    "statement_agents": ("agent_key", "ix_statement_agents_key", "ix_statement_agents_stored"),
    "statement_activities": (
        "activity_id", "ix_statement_activities_id", "ix_statement_activities_stored"
    ),
}


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table, (key, old_index, new_index) in _LINKS.items():
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("stored_us", sa.BigInteger(), nullable=True))
        if postgresql:
            op.execute(
                f"UPDATE {table} AS link SET stored_us = s.stored_us "
                "FROM statements AS s WHERE s.pk = link.statement_pk"
            )
        else:
            op.execute(
                f"UPDATE {table} SET stored_us = (SELECT s.stored_us FROM statements AS s "
                f"WHERE s.pk = {table}.statement_pk)"
            )
        # One row per agent or activity: a related row beside a plain one is redundant
        # and would return its statement twice now that queries join the link rows.
        op.execute(
            f"DELETE FROM {table} WHERE related AND EXISTS (SELECT 1 FROM {table} AS plain "
            f"WHERE plain.statement_pk = {table}.statement_pk AND plain.{key} = {table}.{key} "
            "AND NOT plain.related)"
        )
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column("stored_us", existing_type=sa.BigInteger(), nullable=False)
            batch_op.drop_index(old_index)
            batch_op.create_index(
                new_index, [key, "stored_us", "statement_pk", "related"], unique=False
            )


def downgrade() -> None:
    for table, (key, old_index, new_index) in _LINKS.items():
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_index(new_index)
            batch_op.create_index(old_index, [key, "related", "statement_pk"], unique=False)
            batch_op.drop_column("stored_us")
