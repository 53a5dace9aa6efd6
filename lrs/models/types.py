"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer

#: Auto-incrementing primary key: BIGINT identity on PostgreSQL, the rowid alias on
#: SQLite (which only auto-increments a column declared exactly ``INTEGER``).
BigId = BigInteger().with_variant(Integer(), "sqlite")
