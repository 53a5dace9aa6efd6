"""Early-warning flags: opened, updated and resolved by evaluation, acted on by people.

An evaluation compares the rules' findings as of a day with the tenant's active
flags (every status but ``resolved``): a new finding opens a flag, a changed
reason updates it, a flag whose condition cleared is resolved. A dismissed flag
stays dismissed while its condition holds (it does not reopen), and is resolved
when it clears. Every change is a history entry; people's actions
(acknowledged, contacted, dismissed) are also administrative actions in the
audit trail.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lrs.plugin.host import Host, Person
from lrs.plugin.request import parse_whole_number
from plugins.kpi import warning_alerts
from plugins.kpi.warning_engine import Finding, findings
from plugins.kpi.warning_errors import WarningError, not_found
from plugins.kpi.warning_facts import snapshot
from plugins.kpi.warning_models import Flag, HistoryEntry, Run
from plugins.kpi.warning_rules import RULES, RuleConfig, rule_configs

STATUSES = ("open", "acknowledged", "contacted", "dismissed", "resolved")
#: What ``status=`` filters on besides one status: ``active`` (what someone should look
#: at: open, acknowledged or contacted) and ``all``.
FILTERS = ("active", "all", *STATUSES)
ACTIONS = ("acknowledged", "contacted", "dismissed")
#: Seconds between evaluations after delivered batches, unless
#: ``LRS_PLUGIN_KPI_WARNINGS_EVALUATE_SECONDS`` says otherwise.
DEFAULT_EVALUATE_SECONDS = 300
NOTE_LIMIT = 2000


def _now_us() -> int:
    return time.time_ns() // 1000


def _iso(us: int | None) -> str | None:
    return None if us is None else datetime.fromtimestamp(us / 1_000_000, UTC).isoformat()


def evaluate_seconds(host: Host) -> int:
    """The throttle of evaluations after batches (0: none); a bad value stops start-up."""
    return host.plugin_whole_number("kpi", "warnings_evaluate_seconds",
                                    DEFAULT_EVALUATE_SECONDS, unit="seconds")


def evaluate(host: Host, tenant_id: int, as_of: date | None = None) -> dict[str, int]:
    """Run the tenant's rules as of ``as_of`` (today, UTC) and open, update and resolve
    its flags, with an alert for each flag opened, in one transaction.

    :returns: how many flags were opened, updated, resolved and left unchanged.
    """
    as_of = as_of or datetime.now(UTC).date()
    with host.read() as session:
        configs = rule_configs(session, tenant_id)
    found = findings(snapshot(host, tenant_id, as_of), configs)
    try:
        return _apply(host, tenant_id, as_of, configs, found)
    except IntegrityError:
        # An overlapping evaluation opened the same flags first (one active flag per
        # person and rule is a unique index): apply the findings to what it left.
        return _apply(host, tenant_id, as_of, configs, found)


def _apply(
    host: Host,
    tenant_id: int,
    as_of: date,
    configs: list[RuleConfig],
    found: dict[tuple[str, str], Finding],
) -> dict[str, int]:
    """Open, update and resolve the tenant's flags after ``found``, in one transaction."""
    now = _now_us()
    counts = {"opened": 0, "updated": 0, "resolved": 0, "unchanged": 0}
    opened: list[Flag] = []
    with host.write() as session:
        current = {
            (f.employee_id, f.rule): f
            for f in session.scalars(
                select(Flag).where(Flag.tenant_id == tenant_id, Flag.status != "resolved")
            )
        }
        history = []
        for key, finding in sorted(found.items()):
            facts = json.dumps(finding.facts, sort_keys=True)
            flag = current.get(key)
            if flag is None:
                flag = Flag(
                    tenant_id=tenant_id,
                    employee_id=finding.person.id,
                    rule=finding.rule,
                    status="open",
                    reason=finding.reason,
                    facts=facts,
                    opened_us=now,
                    updated_us=now,
                )
                session.add(flag)
                opened.append(flag)
                counts["opened"] += 1
            elif flag.reason != finding.reason or flag.facts != facts:
                flag.reason, flag.facts, flag.updated_us = finding.reason, facts, now
                history.append(
                    HistoryEntry(flag_id=flag.id, kind="updated", reason=flag.reason, facts=facts)
                )
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
            flag.name = finding.person.name
            flag.manager = finding.person.attributes.get("manager")
            flag.as_of = as_of.isoformat()
        enabled = {c.rule.name for c in configs if c.enabled}
        for key, flag in current.items():
            if key not in found:
                flag.status, flag.closed_us, flag.updated_us = "resolved", now, now
                why = "condition cleared" if flag.rule in enabled else "rule turned off"
                history.append(
                    HistoryEntry(
                        flag_id=flag.id, kind="resolved", note=f"{why} as of {as_of.isoformat()}"
                    )
                )
                counts["resolved"] += 1
        session.flush()  # the new flags' ids
        history.extend(
            HistoryEntry(flag_id=f.id, kind="opened", reason=f.reason, facts=f.facts)
            for f in opened
        )
        for entry in history:
            entry.tenant_id, entry.at_us, entry.actor = tenant_id, now, "system"
        session.add_all(history)
        run = session.get(Run, tenant_id)
        if run is None:
            session.add(Run(tenant_id=tenant_id, evaluated_us=now))
        else:
            run.evaluated_us = now
        for flag in opened:
            warning_alerts.flag_opened(host, session, tenant_id, flag_dict(flag))
    return counts


def evaluate_if_due(host: Host, tenant_id: int) -> None:
    """Evaluate as of today when the last evaluation is older than the throttle (never
    when it is 0)."""
    seconds = evaluate_seconds(host)
    if not seconds:
        return
    with host.read() as session:
        run = session.get(Run, tenant_id)
        last = run.evaluated_us if run else None
    if last is None or _now_us() - last >= seconds * 1_000_000:
        evaluate(host, tenant_id)


def group_members(
    host: Host, tenant_id: int, group: str, path: str = "query.group"
) -> dict[str, Person]:
    """The group's members now, by employee id.

    :raises WarningError: no group of that name (404, at ``path``).
    """
    try:
        return {p.id: p for p in host.group_members(tenant_id, group)}
    except Exception as exc:  # the host's NotFound, which plugins cannot import
        if getattr(exc, "status", None) != 404:
            raise
        raise not_found(f"no group named {group!r}", path) from exc


def flag_dict(flag: Flag, history: list[HistoryEntry] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": flag.id,
        "employee_id": flag.employee_id,
        "name": flag.name,
        "manager": flag.manager,
        "rule": flag.rule,
        "status": flag.status,
        "reason": flag.reason,
        "facts": json.loads(flag.facts),
        "as_of": flag.as_of,
        "opened": _iso(flag.opened_us),
        "updated": _iso(flag.updated_us),
        "closed": _iso(flag.closed_us),
    }
    if history is not None:
        body["history"] = [
            {
                "at": _iso(h.at_us),
                "kind": h.kind,
                "actor": h.actor,
                "note": h.note,
                "reason": h.reason,
            }
            for h in history
        ]
    return body


def check_filters(status: str, rule: str | None) -> None:
    """:raises WarningError: an unknown status or rule, with the query parameter's path."""
    errors = []
    if status not in FILTERS:
        errors.append({"path": "query.status", "message": f"must be one of {', '.join(FILTERS)}"})
    if rule is not None and rule not in RULES:
        errors.append({"path": "query.rule", "message": f"must be one of {', '.join(RULES)}"})
    if errors:
        raise WarningError(errors[0]["message"], errors)


def list_flags(
    host: Host,
    tenant_id: int,
    *,
    manager: str | None = None,
    group: str | None = None,
    rule: str | None = None,
    status: str = "active",
) -> list[dict[str, Any]]:
    """The tenant's flags, newest first, filtered by the person's manager (employee id),
    group (its members now), rule and status.

    :raises WarningError: an unknown status or rule (400), group (404).
    """
    check_filters(status, rule)
    query = select(Flag).where(Flag.tenant_id == tenant_id)
    if status == "active":
        query = query.where(Flag.status.in_(("open", "acknowledged", "contacted")))
    elif status != "all":
        query = query.where(Flag.status == status)
    if manager:
        query = query.where(Flag.manager == manager)
    if rule:
        query = query.where(Flag.rule == rule)
    members = None if not group else set(group_members(host, tenant_id, group))
    with host.read() as session:
        flags = session.scalars(query.order_by(Flag.opened_us.desc(), Flag.id.desc())).all()
        return [flag_dict(f) for f in flags if members is None or f.employee_id in members]


def flag_number(text: str) -> int:
    """A flag's id from a URL. :raises WarningError: not a number (404, as no such flag)."""
    number = parse_whole_number(text, low=1)
    if number is None:
        raise not_found(f"no early-warning flag {text[:40]}")
    return number


def show_flag(host: Host, tenant_id: int, flag_id: int) -> dict[str, Any]:
    """One flag with its history. :raises WarningError: no such flag (404)."""
    with host.read() as session:
        flag = session.get(Flag, flag_id)
        if flag is None or flag.tenant_id != tenant_id:
            raise not_found(f"no early-warning flag {flag_id}")
        history = session.scalars(
            select(HistoryEntry).where(HistoryEntry.flag_id == flag_id).order_by(HistoryEntry.id)
        ).all()
        return flag_dict(flag, list(history))


def parse_action(body: Any) -> tuple[str, str | None]:
    """``(action, note)`` of ``{"action": "contacted", "note": "..."}``.

    :raises WarningError: anything else, with its JSON path.
    """
    if not isinstance(body, dict):
        raise WarningError(
            "the body must be a JSON object",
            [{"path": "$", "message": 'expected {"action": "contacted", "note": "..."}'}],
        )
    errors = [
        {"path": f"$.{k}", "message": "unknown field (action, note)"}
        for k in body
        if k not in ("action", "note")
    ]
    action, note = body.get("action"), body.get("note")
    if action not in ACTIONS:
        errors.append({"path": "$.action", "message": f"must be one of {', '.join(ACTIONS)}"})
    if note is not None and (not isinstance(note, str) or len(note) > NOTE_LIMIT):
        errors.append(
            {"path": "$.note", "message": f"must be a text of at most {NOTE_LIMIT} characters"}
        )
    if errors:
        raise WarningError(errors[0]["message"], errors)
    return action, (note or None)


def act(
    host: Host,
    tenant_id: int,
    flag_id: int,
    action: str,
    note: str | None,
    *,
    actor: str,
    source: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Record a person's action on a flag, in its history and the audit trail.

    :raises WarningError: no such flag (404), a resolved flag (409).
    """
    now = _now_us()
    with host.write() as session:
        flag = session.get(Flag, flag_id)
        if flag is None or flag.tenant_id != tenant_id:
            raise not_found(f"no early-warning flag {flag_id}")
        if flag.status == "resolved":
            raise WarningError(
                f"flag {flag_id} is resolved: its condition cleared",
                [{"path": "$.action", "message": "the flag is resolved"}],
                409,
                "conflict",
            )
        flag.status, flag.updated_us = action, now
        session.add(
            HistoryEntry(
                flag_id=flag_id, tenant_id=tenant_id, at_us=now, kind=action, actor=actor, note=note
            )
        )
        host.record_admin_action(
            session,
            tenant_id,
            actor=actor,
            action=f"kpi.warning.{action}",
            target=f"kpi-warning:{flag_id}",
            details={"employee_id": flag.employee_id, "rule": flag.rule, "note": note},
            source=source,
        )
    return show_flag(host, tenant_id, flag_id)
