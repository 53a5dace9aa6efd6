"""What each early-warning rule finds in a :class:`~plugins.kpi.warning_facts.Snapshot`.

Pure functions of the facts and the rule's parameters, so that an evaluation today
and a backtest replayed as of a past day give the same answer for the same facts.
Who is looked at: people with an open assignment on the day (any status but
``compliant``), as the people directory knows them. Each finding carries a
sentence saying why, and the facts behind it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from statistics import median
from typing import Any

from lrs.plugin.host import AssignmentStatus, Person
from plugins.kpi.warning_facts import ATTENDED, Result, Snapshot, day_start_us
from plugins.kpi.warning_rules import RuleConfig


@dataclass(frozen=True)
class Finding:
    """Why one rule flags one person, as of the snapshot's day."""

    person: Person
    rule: str
    reason: str
    facts: dict[str, Any]


def _day(at_us: int) -> date:
    return datetime.fromtimestamp(at_us / 1_000_000, UTC).date()


def _label(status: AssignmentStatus) -> str:
    assignment = status.assignment
    return assignment.program or ", ".join(assignment.activities)


def _pct(share: float) -> str:
    return f"{round(share * 100)}%"


def window_start(status: AssignmentStatus, window_days: int) -> date:
    """The day before an assignment's window opens: the previous due date of a recurring
    one, ``window_days`` before the due date of a one-off one."""
    assignment = status.assignment
    if assignment.recurrence_months:
        after, _ = assignment.window(assignment.cycle_on(status.due))
        if after is not None:
            return after
    return status.due - timedelta(days=window_days)


def progress(status: AssignmentStatus, results: list[Result]) -> float:
    """Share of the assignment's activities completed in its cycle (any time for a
    one-off assignment, as its status counts them)."""
    assignment = status.assignment
    after = (
        assignment.window(assignment.cycle_on(status.due))[0]
        if assignment.recurrence_months
        else None
    )
    done = {r.activity for r in results if r.completes and (after is None or _day(r.at_us) > after)}
    activities = status.assignment.activities
    return sum(1 for a in activities if a in done) / len(activities)


class _Context:
    """The snapshot arranged per person: whom the rules look at and their open work."""

    def __init__(self, snap: Snapshot) -> None:
        self.snap = snap
        self.people: dict[str, Person] = {}
        self.open: dict[str, list[AssignmentStatus]] = defaultdict(list)
        for status in snap.statuses:
            if status.status != "compliant":
                self.people[status.person.id] = status.person
                self.open[status.person.id].append(status)

    def results(self, employee_id: str) -> list[Result]:
        return self.snap.results.get(employee_id, [])


def _inactive(ctx: _Context, params: dict[str, Any]) -> Iterable[tuple[str, str, dict]]:
    as_of = ctx.snap.as_of
    for pid, statuses in ctx.open.items():
        opened = min(window_start(s, params["window_days"]) for s in statuses)
        last = ctx.snap.last_active.get(pid)
        # Counted while assigned: activity before the window opened (a previous
        # cycle's) does not make someone inactive from the first day of the next.
        since = max(last, opened) if last else opened
        days = (as_of - since).days
        if days < params["days"]:
            continue
        names = "; ".join(f"'{_label(s)}' (due {s.due.isoformat()})" for s in statuses)
        when = (
            f"last on {last.isoformat()}"
            if last and last >= opened
            else f"since the window opened on {opened.isoformat()}; "
            + (f"last on {last.isoformat()}" if last else "never active")
        )
        yield (
            pid,
            f"No activity for {days} days ({when}) while assigned {names}.",
            {
                "last_active": last.isoformat() if last else None,
                "window_opened": opened.isoformat(),
                "days_inactive": days,
                "assignments": [s.assignment.id for s in statuses],
            },
        )


def _behind(ctx: _Context, params: dict[str, Any]) -> Iterable[tuple[str, str, dict]]:
    as_of = ctx.snap.as_of
    for pid, statuses in ctx.open.items():
        reasons, facts = [], []
        for status in statuses:
            start = window_start(status, params["window_days"])
            done = progress(status, ctx.results(pid))
            span = max((status.due - start).days, 1)
            elapsed = min(max((as_of - start).days / span, 0.0), 1.0)
            left = (status.due - as_of).days
            label, due = _label(status), status.due.isoformat()
            if status.status == "overdue":
                why = f"'{label}' was due {due} and is {_pct(done)} done"
            elif not status.started and 0 <= left <= params["due_soon_days"]:
                why = f"'{label}' is due in {left} days ({due}) and not started"
            elif elapsed - done > params["margin"]:
                why = (
                    f"{_pct(elapsed)} of the time to {due} has gone and "
                    f"'{label}' is {_pct(done)} done"
                )
            else:
                continue
            reasons.append(why)
            facts.append(
                {
                    "assignment": status.assignment.id,
                    "due": due,
                    "status": status.status,
                    "started": status.started,
                    "elapsed": round(elapsed, 3),
                    "progress": round(done, 3),
                }
            )
        if reasons:
            yield pid, "Behind schedule: " + "; ".join(reasons) + ".", {"assignments": facts}


def _failed_first(ctx: _Context, params: dict[str, Any]) -> Iterable[tuple[str, str, dict]]:
    since_us = day_start_us(ctx.snap.as_of - timedelta(days=params["lookback_days"]))
    for pid in ctx.open:
        attempts: dict[str, list[Result]] = defaultdict(list)
        for r in ctx.results(pid):
            if r.success is not None:
                attempts[r.activity].append(r)
        failed = [
            (activity, tries[0])
            for activity, tries in attempts.items()
            if tries[0].success is False
            and tries[0].at_us >= since_us
            and not any(t.success for t in tries[1:])
        ]
        if failed:
            parts = [
                f"{activity} on {_day(first.at_us).isoformat()}"
                + (f" (score {_pct(first.score)})" if first.score is not None else "")
                for activity, first in failed
            ]
            yield (
                pid,
                ("First attempt failed, not passed since: " + "; ".join(parts) + "."),
                {
                    "activities": [
                        {"activity": a, "failed_on": _day(f.at_us).isoformat(), "score": f.score}
                        for a, f in failed
                    ]
                },
            )


def _missed(ctx: _Context, params: dict[str, Any]) -> Iterable[tuple[str, str, dict]]:
    since_us = day_start_us(ctx.snap.as_of - timedelta(days=params["lookback_days"]))
    for pid in ctx.open:
        sessions = [r for r in ctx.results(pid) if r.verb == ATTENDED]
        latest = {r.activity: r for r in sessions}  # oldest first: the last one wins
        missed = [
            r
            for r in latest.values()
            if r.completion is False
            and r.at_us >= since_us
            and not any(s.completion and s.at_us > r.at_us for s in sessions)
        ]
        if missed:
            parts = [f"{r.activity} on {_day(r.at_us).isoformat()}" for r in missed]
            yield (
                pid,
                (
                    "Missed live session (attendance not completed), none attended since: "
                    + "; ".join(parts)
                    + "."
                ),
                {
                    "sessions": [
                        {"session": r.activity, "on": _day(r.at_us).isoformat()} for r in missed
                    ]
                },
            )


def _below_median(ctx: _Context, params: dict[str, Any]) -> Iterable[tuple[str, str, dict]]:
    by_group: dict[str, list[AssignmentStatus]] = defaultdict(list)
    for status in ctx.snap.statuses:
        if status.assignment.target_kind == "group":
            by_group[status.assignment.target].append(status)
    flagged: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for group, statuses in sorted(by_group.items()):
        values = _group_values(ctx, statuses, params)
        if len(values) < params["min_cohort"]:
            continue
        middle = median(values.values())
        for pid, value in values.items():
            if pid in ctx.open and value < params["fraction"] * middle:
                flagged[pid].append(
                    {
                        "group": group,
                        "measure": params["measure"],
                        "value": round(value, 3),
                        "median": round(middle, 3),
                        "cohort": len(values),
                    }
                )
    for pid, facts in flagged.items():
        parts = [
            f"{f['measure']} {_pct(f['value'])} is below {_pct(params['fraction'])} of "
            f"the median of group '{f['group']}' ({_pct(f['median'])}, "
            f"{f['cohort']} people)"
            for f in facts
        ]
        yield pid, "Far below the cohort: " + "; ".join(parts) + ".", {"groups": facts}


def _group_values(
    ctx: _Context, statuses: list[AssignmentStatus], params: dict[str, Any]
) -> dict[str, float]:
    """Each member's measure on the group's assignments (members without a score left out)."""
    per_person: dict[str, list[AssignmentStatus]] = defaultdict(list)
    for status in statuses:
        per_person[status.person.id].append(status)
    activities = {a for s in statuses for a in s.assignment.activities}
    values: dict[str, float] = {}
    for pid, mine in per_person.items():
        if params["measure"] == "progress":
            total = sum(len(s.assignment.activities) for s in mine)
            values[pid] = (
                sum(progress(s, ctx.results(pid)) * len(s.assignment.activities) for s in mine)
                / total
            )
            continue
        latest = {
            r.activity: r.score
            for r in ctx.results(pid)
            if r.activity in activities and r.score is not None
        }
        if latest:
            values[pid] = sum(latest.values()) / len(latest)
    return values


_RULES: dict[str, Callable[[_Context, dict[str, Any]], Iterable[tuple[str, str, dict]]]] = {
    "inactive": _inactive,
    "behind_schedule": _behind,
    "failed_first_assessment": _failed_first,
    "missed_live_session": _missed,
    "below_cohort_median": _below_median,
}


def findings(snap: Snapshot, configs: list[RuleConfig]) -> dict[tuple[str, str], Finding]:
    """Every enabled rule's findings, by ``(employee id, rule)``."""
    ctx = _Context(snap)
    found = {}
    for config in configs:
        if not config.enabled:
            continue
        for pid, reason, facts in _RULES[config.rule.name](ctx, config.params):
            found[(pid, config.rule.name)] = Finding(
                ctx.people[pid], config.rule.name, reason, facts
            )
    return found
