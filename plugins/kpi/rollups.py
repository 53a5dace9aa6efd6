"""Rollups fed by ``statements_stored``: per learner x activity x day, and per learner x activity.

Every measure (:mod:`plugins.kpi.measures`) reads these two tables, never the
statement store: a dashboard's cost does not grow with the record. A delivered
batch is folded in with two upserts (one INSERT ... ON CONFLICT DO UPDATE per
table, however many statements); ``kpi_seen`` keeps the ids already counted so
a redelivered batch adds nothing (delivery is at least once).

What a statement contributes (:func:`contribution`):

- ``statements``: 1; its UTC day is its ``timestamp``'s.
- an *attempt* when it has ``result.success`` (or the verb is ``passed`` /
  ``failed``), a *pass* when that is true (or ``passed``);
- a *completion* for the verb ``completed`` or ``result.completion: true``;
- a *score*: ``result.score.scaled``, else ``(raw - min) / (max - min)`` (``min``
  0 when absent), clamped to 0..1;
- for the verb ``attended`` (the attendance plugin's): *attended*, and
  *present* when ``result.completion`` is true.

A voiding statement subtracts what the voided statement added to the daily
counts, and recomputes the voided statement's learner x activity row of
``kpi_progress`` (first attempt, first pass, completions) from the statements
still standing; ``lrs kpi rebuild`` recomputes everything from the stored
statements (after restoring a database, say).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, case, delete, literal, or_, select, true

from lrs.plugin.sql import insert as dialect_insert
from lrs.plugin.sql import listed
from plugins.kpi.keys import activity_key, learner_key
from plugins.kpi.models import Daily, Progress, Seen

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from lrs.plugin.host import Host

COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
PASSED = "http://adlnet.gov/expapi/verbs/passed"
FAILED = "http://adlnet.gov/expapi/verbs/failed"
ATTENDED = "http://adlnet.gov/expapi/verbs/attended"
VOIDED = "http://adlnet.gov/expapi/verbs/voided"
DAY_US = 86_400_000_000
COUNTS = (
    "statements",
    "attempts",
    "passes",
    "completions",
    "scored",
    "score_sum",
    "attended",
    "present",
)


@dataclass(frozen=True)
class Contribution:
    """What one statement adds to the rollups."""

    learner: str
    activity: str
    activity_iri: str
    at_us: int
    attempt: bool
    passed: bool
    completed: bool
    score: float | None
    attended: bool
    present: bool


def moment_us(text: Any) -> int | None:
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return int(moment.timestamp() * 1_000_000)


def _scaled(score: Any) -> float | None:
    if not isinstance(score, dict):
        return None
    value = score.get("scaled")
    if isinstance(value, int | float):
        return min(1.0, max(0.0, float(value)))
    raw, low, high = score.get("raw"), score.get("min", 0), score.get("max")
    if isinstance(raw, int | float) and isinstance(high, int | float) and high > low:
        return min(1.0, max(0.0, (raw - low) / (high - low)))
    return None


def contribution(statement: dict[str, Any]) -> Contribution | None:
    """What ``statement`` adds; ``None`` for one about no activity or by no identified learner."""
    target = statement.get("object") or {}
    if target.get("objectType", "Activity") != "Activity" or "id" not in target:
        return None
    learner = learner_key(statement.get("actor"))
    at_us = moment_us(statement.get("timestamp")) or moment_us(statement.get("stored"))
    if learner is None or at_us is None:
        return None
    verb = (statement.get("verb") or {}).get("id")
    result = statement.get("result") or {}
    success = result.get("success")
    attempt = isinstance(success, bool) or verb in (PASSED, FAILED)
    passed = success is True or (success is None and verb == PASSED)
    completion = result.get("completion") is True
    return Contribution(
        learner=learner,
        activity=activity_key(target["id"]),
        activity_iri=target["id"],
        at_us=at_us,
        attempt=attempt,
        passed=passed,
        completed=verb == COMPLETED or completion,
        score=_scaled(result.get("score")),
        attended=verb == ATTENDED,
        present=verb == ATTENDED and completion,
    )


def _daily_rows(tenant_id: int, parts: Iterable[tuple[Contribution, int]]) -> list[dict]:
    rows: dict[tuple[str, str, int], dict[str, Any]] = {}
    for part, sign in parts:
        day = part.at_us // DAY_US
        row = rows.get((part.learner, part.activity, day))
        if row is None:
            row = rows[(part.learner, part.activity, day)] = {
                "tenant_id": tenant_id,
                "learner": part.learner,
                "activity": part.activity,
                "day": day,
                **dict.fromkeys(COUNTS, 0),
                "score_sum": 0.0,
            }
        row["statements"] += sign
        row["attempts"] += sign * part.attempt
        row["passes"] += sign * part.passed
        row["completions"] += sign * part.completed
        if part.score is not None:
            row["scored"] += sign
            row["score_sum"] += sign * part.score
        row["attended"] += sign * part.attended
        row["present"] += sign * part.present
    return list(rows.values())


def _earliest(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)


def _progress_rows(tenant_id: int, parts: Iterable[Contribution]) -> list[dict]:
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for part in parts:
        row = rows.get((part.learner, part.activity))
        if row is None:
            row = rows[(part.learner, part.activity)] = {
                "tenant_id": tenant_id,
                "learner": part.learner,
                "activity": part.activity,
                "activity_iri": part.activity_iri,
                "first_us": part.at_us,
                "last_us": part.at_us,
                "first_attempt_us": None,
                "first_attempt_passed": None,
                "first_pass_us": None,
                "first_completion_us": None,
                "last_completion_us": None,
            }
        row["first_us"] = min(row["first_us"], part.at_us)
        row["last_us"] = max(row["last_us"], part.at_us)
        if part.attempt and (
            row["first_attempt_us"] is None or part.at_us < row["first_attempt_us"]
        ):
            row["first_attempt_us"], row["first_attempt_passed"] = part.at_us, part.passed
        if part.passed:
            row["first_pass_us"] = _earliest(row["first_pass_us"], part.at_us)
        if part.completed:
            row["first_completion_us"] = _earliest(row["first_completion_us"], part.at_us)
            row["last_completion_us"] = max(row["last_completion_us"] or 0, part.at_us)
    return list(rows.values())


def _upsert_daily(session: Session, rows: list[dict]) -> None:
    table = Daily.__table__
    insert = dialect_insert(session, table)
    # One statement, executed for many rows: compiled once (a VALUES list of a thousand
    # rows is compiled anew each time, which cost more than the database's work).
    session.execute(
        insert.on_conflict_do_update(
            index_elements=["tenant_id", "learner", "activity", "day"],
            set_={name: table.c[name] + insert.excluded[name] for name in COUNTS},
        ),
        rows,
    )


def _pick(old: Any, new: Any, newer: Any) -> Any:
    """``new`` where the row had nothing or ``newer`` holds, else ``old`` (NULL-safe)."""
    return case((old.is_(None), new), (new.is_(None), old), (newer, new), else_=old)


def _upsert_progress(session: Session, rows: list[dict]) -> None:
    old = Progress.__table__.c
    insert = dialect_insert(session, Progress.__table__)
    new = insert.excluded
    earliest = {
        name: _pick(old[name], new[name], new[name] < old[name])
        for name in ("first_us", "first_attempt_us", "first_pass_us", "first_completion_us")
    }
    latest = {
        name: _pick(old[name], new[name], new[name] > old[name])
        for name in ("last_us", "last_completion_us")
    }
    newer_attempt = or_(
        old.first_attempt_us.is_(None),
        and_(new.first_attempt_us.is_not(None), new.first_attempt_us < old.first_attempt_us),
    )
    session.execute(
        insert.on_conflict_do_update(
            index_elements=["tenant_id", "learner", "activity"],
            set_={
                **earliest,
                **latest,
                "first_attempt_passed": case(
                    (newer_attempt, new.first_attempt_passed), else_=old.first_attempt_passed
                ),
            },
        ),
        rows,
    )


def _unseen(session: Session, tenant_id: int, statements: Sequence[dict]) -> list[dict]:
    """The statements not rolled up yet (each once), now marked as seen.

    One ``INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING``: the ids it returns
    are the new ones (a SELECT of the seen ids, then an INSERT of the others, cost a
    fifth of delivering a batch). A worker delivering the same statement at the same
    moment waits for this transaction, then finds it seen.
    """
    by_id = {s["id"]: s for s in statements}
    if not by_id:
        return []
    ids = listed(session, list(by_id))
    mark = (
        dialect_insert(session, Seen.__table__)
        .from_select(
            ["tenant_id", "statement_id"],
            # SQLite parses the ON CONFLICT of an INSERT ... SELECT only after a WHERE.
            select(literal(tenant_id), ids.c.value).where(true()),
        )
        .on_conflict_do_nothing()
        .returning(Seen.__table__.c.statement_id)
    )
    fresh = set(session.scalars(mark))
    return [s for i, s in by_id.items() if i in fresh]


def fold(host: Host, session: Session, tenant_id: int, statements: Sequence[dict]) -> int:
    """Add ``statements`` (stored, of one store) to the rollups in ``session``; return how
    many were new.

    A voiding statement takes its target back: what the target added to the daily counts
    is subtracted, and the ``kpi_progress`` row of its learner x activity is recomputed
    from their statements still standing (:func:`_standing`), so a voided first attempt
    makes the next attempt the first. A target voided in the batch that brings it is
    never counted.
    """
    fresh = _unseen(session, tenant_id, statements)
    voided = {
        str((s.get("object") or {}).get("id", "")).lower()
        for s in fresh
        if (s.get("verb") or {}).get("id") == VOIDED
    }
    parts: list[tuple[Contribution, int]] = []
    for statement in fresh:
        if (statement.get("verb") or {}).get("id") == VOIDED or statement["id"].lower() in voided:
            continue
        if (part := contribution(statement)) is not None:
            parts.append((part, 1))
    affected: dict[tuple[str, str], dict] = {}
    earlier = sorted(voided - {s["id"].lower() for s in fresh})
    if earlier:
        counted = set(
            session.scalars(
                select(Seen.statement_id).where(
                    Seen.tenant_id == tenant_id, Seen.statement_id.in_(earlier)
                )
            )
        )
        for target in host.get_statements(tenant_id, sorted(counted)):
            if (part := contribution(target)) is not None:
                parts.append((part, -1))
                affected.setdefault((part.learner, part.activity), target)
    if parts:
        _upsert_daily(session, _daily_rows(tenant_id, parts))
    progress = [p for p, sign in parts if sign > 0]
    if affected:
        for learner, activity in affected:
            session.execute(
                delete(Progress).where(
                    Progress.tenant_id == tenant_id,
                    Progress.learner == learner,
                    Progress.activity == activity,
                )
            )
        progress.extend(_standing(host, tenant_id, affected))
    if rows := _progress_rows(tenant_id, progress):
        _upsert_progress(session, rows)
    return len(fresh)


def _standing(
    host: Host, tenant_id: int, affected: dict[tuple[str, str], dict]
) -> list[Contribution]:
    """What the statements not voided of each affected learner x activity contribute (one
    query per pair, on the statement store's agent and activity indexes: voids are rare).
    Statements stored but not delivered yet are included: the progress row keeps earliest
    and latest moments, so counting them again when they arrive changes nothing."""
    parts: list[Contribution] = []
    for (learner, activity), target in affected.items():
        for statement in host.query_statements(
            tenant_id, agent=target["actor"], activity=target["object"]["id"]
        ):
            part = contribution(statement)
            if part is not None and (part.learner, part.activity) == (learner, activity):
                parts.append(part)
    return parts


def clear(session: Session, tenant_id: int) -> None:
    """Forget the store's rollups (before :func:`rebuild`)."""
    for table in (Seen, Daily, Progress):
        session.execute(delete(table).where(table.tenant_id == tenant_id))


def rebuild(
    host: Host, tenant_id: int, statements: Iterable[dict] | None = None, *, batch: int = 5000
) -> int:
    """Recompute the store's rollups from its stored statements (voided ones left out).

    ``statements`` is ``host.query_statements(tenant_id)`` unless given (wrapped in a
    progress bar by ``lrs kpi rebuild``). The old rollups are replaced in the same
    transaction, so readers see the old numbers until the new ones are complete.
    Returns the statements folded in.
    """
    total = 0
    pending: list[dict] = []
    with host.write() as session:
        clear(session, tenant_id)
        for statement in host.query_statements(tenant_id) if statements is None else statements:
            pending.append(statement)
            if len(pending) >= batch:
                total += fold(host, session, tenant_id, pending)
                pending = []
        total += fold(host, session, tenant_id, pending)
    return total


class Feeder:
    """Buffers the batches of one outbox delivery and folds them in one transaction."""

    def __init__(self, host: Host, after: Callable[[Host, list[int]], None]) -> None:
        self.host = host
        self.after = after
        self._lock = threading.Lock()
        self._pending: list[tuple[int, Sequence[dict]]] = []

    def add(self, tenant_id: int, statements: Sequence[dict]) -> None:
        with self._lock:
            self._pending.append((tenant_id, statements))
        self.host.defer(self.flush)

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, []
        by_tenant: dict[int, list[dict]] = {}
        for tenant_id, statements in pending:
            by_tenant.setdefault(tenant_id, []).extend(statements)
        with self.host.write() as session:
            for tenant_id, statements in by_tenant.items():
                fold(self.host, session, tenant_id, statements)
        try:
            self.after(self.host, sorted(by_tenant))
        except Exception:
            # The rollups are committed; a failed evaluation must not send the batch
            # back (nor, after retries, to the dead letters): the next one tries again.
            self.host.logger.exception("kpi: evaluation after a delivered batch failed")


_feeders: weakref.WeakKeyDictionary[Host, Feeder] = weakref.WeakKeyDictionary()
_feeders_lock = threading.Lock()


def feeder_for(host: Host, after: Callable[[Host, list[int]], None]) -> Feeder:
    with _feeders_lock:
        feeder = _feeders.get(host)
        if feeder is None:
            feeder = _feeders[host] = Feeder(host, after)
        return feeder
