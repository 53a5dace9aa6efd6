"""How well the early-warning rules would have predicted non-completion on a past cohort.

The cohort is every (person, assignment cycle) of a group's members whose due date
falls between ``since`` and ``until``. The rules are replayed as of checkpoint
days (``since``, then every ``every_days`` days up to ``until``) on the facts as
they stood then (:func:`plugins.kpi.warning_facts.snapshot` counts nothing dated
later); a pair counts as flagged by a rule if the rule flagged the person at a
checkpoint before the due date. The truth is the assignment's status on its due
date: anything but ``compliant`` is a non-completion. Precision is the share of
flagged pairs that did not complete, recall the share of non-completions that
were flagged, per rule and for any rule.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from lrs.plugin.host import Host
from plugins.kpi.warning_engine import findings
from plugins.kpi.warning_errors import WarningError
from plugins.kpi.warning_facts import snapshot
from plugins.kpi.warning_flags import group_members
from plugins.kpi.warning_rules import RULES, rule_configs

#: Most checkpoints one backtest replays (each reads the assignments' statuses once).
MAX_CHECKPOINTS = 400


def parse_window(
    since: Any, until: Any, every_days: Any, where: str = "query"
) -> tuple[date, date, int]:
    """The backtest's dates and step from text.

    :raises WarningError: malformed or out of order, with each parameter's path.
    """
    errors, days = [], {}
    for name, value in (("since", since), ("until", until)):
        try:
            days[name] = date.fromisoformat(str(value))
        except ValueError:
            errors.append({"path": f"{where}.{name}", "message": "must be a date YYYY-MM-DD"})
    try:
        step = int(every_days)
        if not 1 <= step <= 366:
            raise ValueError
    except (TypeError, ValueError):
        errors.append({"path": f"{where}.every_days", "message": "must be from 1 to 366"})
        step = 0
    if not errors and days["since"] > days["until"]:
        errors.append({"path": f"{where}.until", "message": "must not be before since"})
    if not errors and (days["until"] - days["since"]).days // step >= MAX_CHECKPOINTS:
        errors.append(
            {
                "path": f"{where}.every_days",
                "message": f"more than {MAX_CHECKPOINTS} checkpoints: take a larger step",
            }
        )
    if errors:
        raise WarningError(errors[0]["message"], errors)
    return days["since"], days["until"], step


def _score(pairs: list[dict[str, Any]], flagged: set[int]) -> dict[str, Any]:
    missed = {i for i, p in enumerate(pairs) if not p["completed"]}
    tp, fp = len(flagged & missed), len(flagged - missed)
    fn = len(missed - flagged)
    return {
        "flagged": len(flagged),
        "true_positives": tp,
        "false_positives": fp,
        "false_negatives": fn,
        "true_negatives": len(pairs) - tp - fp - fn,
        "precision": round(tp / (tp + fp), 4) if tp + fp else None,
        "recall": round(tp / (tp + fn), 4) if tp + fn else None,
    }


def backtest(
    host: Host, tenant_id: int, group: str, since: date, until: date, every_days: int = 7
) -> dict[str, Any]:
    """Replay the tenant's rules (as configured now) on ``group``'s cycles due in
    ``[since, until]``; see the module docstring.

    :raises WarningError: no group of that name (404).
    """
    members = group_members(host, tenant_id, group)
    pairs: list[dict[str, Any]] = []
    for assignee in host.assigned_people(tenant_id, since):
        assignment = assignee.assignment
        if assignee.person.id not in members:
            continue
        cycle = assignment.cycle_on(since)
        while (due := assignment.due_date(cycle)) <= until:
            if due >= since:
                pairs.append(
                    {
                        "employee_id": assignee.person.id,
                        "name": assignee.person.name,
                        "assignment": assignment.id,
                        "due": due,
                    }
                )
            if not assignment.recurrence_months:
                break
            cycle += 1
    for due in sorted({p["due"] for p in pairs}):
        ids = sorted({p["assignment"] for p in pairs if p["due"] == due})
        done = {
            (s.assignment.id, s.person.id)
            for s in host.assignment_statuses(tenant_id, due, assignment_ids=ids)
            if s.status == "compliant"
        }
        for pair in pairs:
            if pair["due"] == due:
                pair["completed"] = (pair["assignment"], pair["employee_id"]) in done
    with host.read() as session:
        configs = rule_configs(session, tenant_id)
    checkpoints = [
        since + timedelta(days=n) for n in range(0, (until - since).days + 1, every_days)
    ]
    flagged_by: dict[int, set[str]] = defaultdict(set)
    for day in checkpoints:
        if not any(day < p["due"] for p in pairs):
            break
        found = findings(snapshot(host, tenant_id, day), configs)
        rules_of: dict[str, set[str]] = defaultdict(set)
        for employee_id, rule in found:
            rules_of[employee_id].add(rule)
        for i, pair in enumerate(pairs):
            if day < pair["due"]:
                flagged_by[i] |= rules_of.get(pair["employee_id"], set())
    enabled = [c.rule.name for c in configs if c.enabled]
    return {
        "group": group,
        "since": since.isoformat(),
        "until": until.isoformat(),
        "every_days": every_days,
        "checkpoints": [d.isoformat() for d in checkpoints],
        "pairs": len(pairs),
        "people": len({p["employee_id"] for p in pairs}),
        "did_not_complete": sum(1 for p in pairs if not p["completed"]),
        "rules": [
            {"rule": name, **_score(pairs, {i for i in flagged_by if name in flagged_by[i]})}
            for name in RULES
            if name in enabled
        ],
        "overall": _score(pairs, {i for i, rules in flagged_by.items() if rules}),
        "cohort": [
            {**p, "due": p["due"].isoformat(), "flagged_by": sorted(flagged_by[i])}
            for i, p in enumerate(pairs)
        ],
    }
