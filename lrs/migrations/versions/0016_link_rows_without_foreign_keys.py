"""Link rows keep no foreign key to their statement.

``statement_agents``, ``statement_activities`` and ``statement_target_keys`` are an
index the store writes with each statement and deletes with it
(:func:`lrs.store.statement_rows.delete_statements`). Their foreign keys made
PostgreSQL run a trigger, a lookup and a row lock on the statement for every link
row inserted: about a fifth of its work per statement stored in batches of 100.
Downgrading first deletes any link row whose statement is gone, then puts the
foreign keys (``ON DELETE CASCADE``) back.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_TABLES = ("statement_agents", "statement_activities", "statement_target_keys")


def _foreign_key(table: str) -> str:
    return f"fk_{table}_statement_pk_statements"


def upgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(_foreign_key(table), type_="foreignkey")


def downgrade() -> None:
    for table in _TABLES:
        op.execute(
            f"DELETE FROM {table} WHERE NOT EXISTS "
            f"(SELECT 1 FROM statements AS s WHERE s.pk = {table}.statement_pk)"
        )
        with op.batch_alter_table(table) as batch_op:
            batch_op.create_foreign_key(
                _foreign_key(table), "statements", ["statement_pk"], ["pk"], ondelete="CASCADE"
            )
