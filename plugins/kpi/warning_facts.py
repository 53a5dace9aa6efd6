"""What the early-warning rules read, kept up to date from ``statements_stored``.

Each delivered batch adds the days its people were active and the statements that
carry a result or complete an activity, keyed by statement id (delivery is at
least once: a redelivered batch adds nothing). Only people of the directory are
followed: a flag is about a person someone can reach. A voiding statement removes
the voided statement's result. :func:`snapshot` reads these tables (and the
assignments' statuses) as of a day, for an evaluation or a backtest, without
reading the statement store.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import delete, func, select, tuple_
from sqlalchemy.orm import Session

from lrs.plugin.host import AssignmentStatus, Host
from lrs.plugin.sql import insert
from plugins.kpi.warning_models import ActivityDay, ResultFact

VOIDED = "http://adlnet.gov/expapi/verbs/voided"
ATTENDED = "http://adlnet.gov/expapi/verbs/attended"
#: Verbs that complete an activity, as assignments count them (docs/assignments.md).
COMPLETING = frozenset(
    {"http://adlnet.gov/expapi/verbs/completed", "http://adlnet.gov/expapi/verbs/passed"}
)


@dataclass(frozen=True)
class Result:
    """One :class:`ResultFact` row as the rules read it."""

    activity: str
    verb: str
    at_us: int
    success: bool | None
    completion: bool | None
    completes: bool
    score: float | None


@dataclass
class Snapshot:
    """Everything the rules need about a tenant at the end of ``as_of`` (UTC)."""

    as_of: date
    statuses: list[AssignmentStatus]
    #: The last active day up to ``as_of``, by employee id.
    last_active: dict[str, date] = field(default_factory=dict)
    #: Results up to ``as_of``, by employee id, oldest first.
    results: dict[str, list[Result]] = field(default_factory=dict)

    @property
    def end_us(self) -> int:
        """The first µs after ``as_of``."""
        return day_start_us(self.as_of + timedelta(days=1))


def day_start_us(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()) * 1_000_000


def snapshot(host: Host, tenant_id: int, as_of: date) -> Snapshot:
    """The facts as of the end of ``as_of``: one status read, two queries."""
    found = Snapshot(as_of, host.assignment_statuses(tenant_id, as_of))
    with host.read() as session:
        found.last_active = dict(
            session.execute(
                select(ActivityDay.employee_id, func.max(ActivityDay.day))
                .where(ActivityDay.tenant_id == tenant_id, ActivityDay.day <= as_of)
                .group_by(ActivityDay.employee_id)
            ).all()
        )
        rows = session.execute(
            select(
                ResultFact.employee_id,
                ResultFact.activity_id,
                ResultFact.verb_id,
                ResultFact.at_us,
                ResultFact.success,
                ResultFact.completion,
                ResultFact.completes,
                ResultFact.score,
            )
            .where(ResultFact.tenant_id == tenant_id, ResultFact.at_us < found.end_us)
            .order_by(ResultFact.employee_id, ResultFact.at_us, ResultFact.statement_id)
        )
        results: dict[str, list[Result]] = defaultdict(list)
        for employee_id, *values in rows:
            results[employee_id].append(Result(*values))
    found.results = dict(results)
    return found


def _moment(statement: dict[str, Any]) -> datetime:
    """When the learner acted: the timestamp, else the stored time (UTC)."""
    for key in ("timestamp", "stored"):
        try:
            moment = datetime.fromisoformat(statement[key])
        except (KeyError, TypeError, ValueError):
            continue
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return datetime.now(UTC)


def _score(result: dict[str, Any]) -> float | None:
    score = result.get("score") or {}
    if isinstance(score.get("scaled"), (int, float)):
        return float(score["scaled"])
    raw, top, low = score.get("raw"), score.get("max"), score.get("min", 0)
    if isinstance(raw, (int, float)) and isinstance(top, (int, float)) and top > low:
        return (raw - low) / (top - low)
    return None


def _result_row(statement: dict[str, Any], verb: str) -> dict[str, Any] | None:
    """The statement as a results row, ``None`` when it says nothing the rules read."""
    result = statement.get("result") or {}
    success, completion = result.get("success"), result.get("completion")
    score = _score(result)
    if success is None and completion is None and score is None and verb not in COMPLETING:
        return None
    completes = success is not False and (
        verb in COMPLETING or completion is True or success is True
    )
    return {
        "activity_id": statement["object"]["id"],
        "verb_id": verb,
        "success": success,
        "completion": completion,
        "completes": completes,
        "score": score,
    }


def facts_of(
    host: Host, tenant_id: int, statements: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    """``(activity days, results, voided statement ids)`` of a batch, its actors resolved
    in one call."""
    voided = [
        s["object"]["id"].lower()
        for s in statements
        if s["verb"]["id"] == VOIDED and s["object"].get("objectType") == "StatementRef"
    ]
    mine = [
        s
        for s in statements
        if s["verb"]["id"] != VOIDED
        and s["object"].get("objectType", "Activity") == "Activity"
        and s["actor"].get("objectType", "Agent") == "Agent"
    ]
    # A batch is mostly a few learners' statements: each actor is resolved once.
    keys = [json.dumps(s["actor"], sort_keys=True) for s in mine]
    actors = {key: s["actor"] for key, s in zip(keys, mine, strict=True)}
    found = host.employee_ids(tenant_id, list(actors.values())) if actors else []
    employee_of = dict(zip(actors, found, strict=True))
    days: dict[tuple[str, date], dict[str, Any]] = {}
    results = []
    for key, statement in zip(keys, mine, strict=True):
        employee_id = employee_of[key]
        if employee_id is None:
            continue
        moment = _moment(statement)
        days[(employee_id, moment.date())] = {
            "tenant_id": tenant_id,
            "employee_id": employee_id,
            "day": moment.date(),
        }
        row = _result_row(statement, statement["verb"]["id"])
        if row is not None:
            results.append(
                {
                    "tenant_id": tenant_id,
                    "statement_id": statement["id"].lower(),
                    "employee_id": employee_id,
                    "at_us": int(moment.timestamp() * 1_000_000),
                    **row,
                }
            )
    return list(days.values()), results, voided


def write_facts(
    session: Session,
    days: list[dict[str, Any]],
    results: list[dict[str, Any]],
    voided: list[tuple[int, str]],
) -> None:
    """Add what is new (``ON CONFLICT DO NOTHING``: redelivery adds nothing), drop what
    was voided; one statement per table."""
    for table, rows in ((ActivityDay, days), (ResultFact, results)):
        if rows:
            session.execute(insert(session, table.__table__).on_conflict_do_nothing(), rows)
    if voided:
        session.execute(
            delete(ResultFact).where(
                tuple_(ResultFact.tenant_id, ResultFact.statement_id).in_(voided)
            )
        )


class Feed:
    """Buffers a delivery batch's facts per thread and writes them once, at its end
    (:meth:`lrs.plugin.host.Host.defer`); then evaluates the tenants that are due."""

    def __init__(self, host: Host) -> None:
        self.host = host
        self._batch = threading.local()

    def add(self, tenant_id: int, statements: list[dict[str, Any]]) -> None:
        """Keep the event's statements; their facts are drawn at the batch's end, where
        a batch of single-statement events resolves its actors in one call, not one
        call an event (which was over half of what delivering such an event cost)."""
        pending = getattr(self._batch, "pending", None)
        if pending is None:
            pending = self._batch.pending = {}
        pending.setdefault(tenant_id, []).extend(statements)
        self.host.defer(self._flush)

    def _flush(self) -> None:
        from plugins.kpi.warning_flags import evaluate_if_due

        pending: dict[int, list[dict[str, Any]]] = self._batch.pending
        self._batch.pending = None
        days: list[dict[str, Any]] = []
        results: list[dict[str, Any]] = []
        voided: list[tuple[int, str]] = []
        for tenant_id, statements in pending.items():
            tenant_days, tenant_results, tenant_voided = facts_of(self.host, tenant_id, statements)
            days.extend(tenant_days)
            results.extend(tenant_results)
            voided.extend((tenant_id, statement_id) for statement_id in tenant_voided)
        unique_days = list({(d["tenant_id"], d["employee_id"], d["day"]): d for d in days}.values())
        unique_results = list({(r["tenant_id"], r["statement_id"]): r for r in results}.values())
        with self.host.write() as session:
            write_facts(session, unique_days, unique_results, voided)
        for tenant_id in sorted(pending):
            try:
                evaluate_if_due(self.host, tenant_id)
            except Exception:  # the facts are committed: redelivering them would not help
                self.host.logger.exception(
                    "kpi: early-warning evaluation of store %s after a batch failed; the "
                    "next batch or `lrs kpi warnings evaluate` runs it again",
                    tenant_id,
                )


_feeds: WeakKeyDictionary[Host, Feed] = WeakKeyDictionary()


def feed_for(host: Host) -> Feed:
    feed = _feeds.get(host)
    if feed is None:
        feed = _feeds[host] = Feed(host)
    return feed
