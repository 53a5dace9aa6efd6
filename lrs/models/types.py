"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, Integer

#: Auto-incrementing primary key: BIGINT identity on PostgreSQL, the rowid alias on
#: SQLite (which only auto-increments a column declared exactly ``INTEGER``).
BigId = BigInteger().with_variant(Integer(), "sqlite")


def iso_time(us: int | None) -> str:
    """A stored time (every ``*_us`` column: µs since the epoch) as ISO 8601 UTC, for
    tables and pages ("" when unset)."""
    if us is None:
        return ""
    return datetime.fromtimestamp(us / 1_000_000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_milliseconds(moment: datetime) -> str:
    """``moment`` (UTC) as xAPI writes ``stored`` and the consistency marker, and as log
    lines are stamped: ISO 8601 to the millisecond with ``Z`` (``isoformat`` costs half
    of ``strftime``)."""
    return moment.isoformat(timespec="milliseconds").removesuffix("+00:00") + "Z"
