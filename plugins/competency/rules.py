"""Evidence rules: checked, stored, listed and deleted, each change an audited admin action.

A rule maps an activity, an activity type or a program to competencies of an
imported framework, with conditions (docs/competency.md, "Evidence rules"). A rule
applies to statements delivered after it changed; ``lrs competency rebuild``
applies it to those stored before.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lrs.plugin.host import Host
from lrs.plugin.request import parse_whole_number
from plugins.competency.catalog import DEFAULT_VERBS, NEGATIVE_VERBS
from plugins.competency.errors import CompetencyError, not_found
from plugins.competency.models import EvidenceRule, Framework, Item

TARGET_KINDS = ("activity", "activity_type", "program")
FIELDS = (
    "target_kind",
    "target",
    "competencies",
    "verbs",
    "min_scaled",
    "success_required",
    "weight",
    "valid_days",
    "enabled",
)
#: An absolute IRI: a scheme, a colon, no spaces (what xAPI requires of ids and verbs).
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s]+$")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def check_rule(session: Session, tenant_id: int, data: Any) -> dict[str, Any]:
    """The columns of the rule ``data`` describes (a JSON object).

    :raises CompetencyError: with every problem by JSON path; competencies must be
        current items of one of the tenant's frameworks.
    """
    if not isinstance(data, dict):
        raise CompetencyError(
            "the rule must be a JSON object", [{"path": "$", "message": "not an object"}]
        )
    problems: list[dict[str, str]] = [
        {"path": f"$.{name}", "message": "unknown field"} for name in data if name not in FIELDS
    ]

    def bad(path: str, message: str) -> None:
        problems.append({"path": path, "message": message})

    kind = data.get("target_kind")
    if kind not in TARGET_KINDS:
        bad("$.target_kind", f"must be one of {', '.join(TARGET_KINDS)}")
    target = data.get("target")
    if not isinstance(target, str) or not _IRI.match(target) or len(target) > 900:
        bad("$.target", "must be an IRI (at most 900 characters)")
    competencies = data.get("competencies")
    if not isinstance(competencies, list) or not competencies:
        bad("$.competencies", "must be a non-empty list of competency URIs")
        competencies = []
    wanted = [c for c in competencies if isinstance(c, str)]
    known = set(
        session.scalars(
            select(Item.uri).where(
                Item.framework_id.in_(select(Framework.id).where(Framework.tenant_id == tenant_id)),
                Item.retired.is_(False),
                Item.uri.in_(wanted),
            )
        )
    )
    for i, uri in enumerate(competencies):
        if not isinstance(uri, str):
            bad(f"$.competencies[{i}]", "must be a string")
        elif uri not in known:
            bad(f"$.competencies[{i}]", f"{uri!r} is not a competency of an imported framework")
    verbs = data.get("verbs", [])
    if not isinstance(verbs, list):
        bad("$.verbs", "must be a list of verb IRIs")
        verbs = []
    for i, verb in enumerate(verbs):
        if not isinstance(verb, str) or not _IRI.match(verb):
            bad(f"$.verbs[{i}]", "must be an IRI")
    min_scaled = data.get("min_scaled")
    if min_scaled is not None and (not _is_number(min_scaled) or not 0 <= min_scaled <= 1):
        bad("$.min_scaled", "must be a number from 0 to 1")
    success = data.get("success_required", False)
    if not isinstance(success, bool):
        bad("$.success_required", "must be true or false")
    weight = data.get("weight", 1.0)
    if not _is_number(weight) or weight <= 0:
        bad("$.weight", "must be a number greater than 0")
    valid_days = data.get("valid_days")
    if valid_days is not None and (
        not isinstance(valid_days, int) or isinstance(valid_days, bool) or valid_days < 1
    ):
        bad("$.valid_days", "must be a whole number of days, at least 1")
    enabled = data.get("enabled", True)
    if not isinstance(enabled, bool):
        bad("$.enabled", "must be true or false")
    if problems:
        raise CompetencyError("the evidence rule is not valid", problems)
    return {
        "target_kind": kind,
        "target": target,
        "competencies": json.dumps(list(dict.fromkeys(competencies))),
        "verbs": json.dumps(list(dict.fromkeys(verbs))),
        "min_scaled": float(min_scaled) if min_scaled is not None else None,
        "success_required": success,
        "weight": float(weight),
        "valid_days": valid_days,
        "enabled": enabled,
    }


def rule_dict(rule: EvidenceRule) -> dict[str, Any]:
    verbs = json.loads(rule.verbs)
    return {
        "id": rule.id,
        "target_kind": rule.target_kind,
        "target": rule.target,
        "competencies": json.loads(rule.competencies),
        "verbs": verbs,
        "counting_verbs": verbs or list(DEFAULT_VERBS),
        "negative_verbs": list(NEGATIVE_VERBS),
        "min_scaled": rule.min_scaled,
        "success_required": rule.success_required,
        "weight": rule.weight,
        "valid_days": rule.valid_days,
        "enabled": rule.enabled,
        "created_us": rule.created_us,
        "updated_us": rule.updated_us,
    }


def _announce(
    host: Host,
    session: Session,
    tenant_id: int,
    actor: str,
    action: str,
    rule: EvidenceRule,
    source: dict[str, str] | None,
    now_us: int,
) -> None:
    details = rule_dict(rule)
    for name in ("counting_verbs", "negative_verbs", "created_us", "updated_us"):
        details.pop(name)
    host.record_admin_action(
        session,
        tenant_id,
        actor=actor,
        action=f"competency.rule_{action}",
        target=f"competency_rule:{rule.id}",
        occurred_us=now_us,
        details=details,
        source=source,
    )


def rule_number(text: str) -> int:
    """A rule id from a URL.

    :raises CompetencyError: 404, it is no rule id.
    """
    number = parse_whole_number(text, low=1)
    if number is None:
        raise not_found(f"no evidence rule {text[:40]!r}")
    return number


def _get(session: Session, tenant_id: int, rule_id: int) -> EvidenceRule:
    rule = session.get(EvidenceRule, rule_id)
    if rule is None or rule.tenant_id != tenant_id:
        raise not_found(f"no evidence rule {rule_id}")
    return rule


def list_rules(host: Host, tenant_id: int) -> list[dict[str, Any]]:
    with host.read() as session:
        rows = session.scalars(
            select(EvidenceRule)
            .where(EvidenceRule.tenant_id == tenant_id)
            .order_by(EvidenceRule.id)
        )
        return [rule_dict(row) for row in rows]


def get_rule(host: Host, tenant_id: int, rule_id: int) -> dict[str, Any]:
    with host.read() as session:
        return rule_dict(_get(session, tenant_id, rule_id))


def save_rule(
    host: Host,
    tenant_id: int,
    data: Any,
    *,
    actor: str,
    rule_id: int | None = None,
    source: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Create a rule (``rule_id`` ``None``) or replace one, recorded in the audit trail."""
    now_us = time.time_ns() // 1000
    with host.write() as session:
        columns = check_rule(session, tenant_id, data)
        if rule_id is None:
            rule = EvidenceRule(tenant_id=tenant_id, created_us=now_us, **columns)
            session.add(rule)
        else:
            rule = _get(session, tenant_id, rule_id)
            for name, value in columns.items():
                setattr(rule, name, value)
        rule.updated_us = now_us
        session.flush()
        _announce(
            host,
            session,
            tenant_id,
            actor,
            "created" if rule_id is None else "updated",
            rule,
            source,
            now_us,
        )
        return rule_dict(rule)


def delete_rule(
    host: Host,
    tenant_id: int,
    rule_id: int,
    *,
    actor: str,
    source: dict[str, str] | None = None,
) -> None:
    """Delete a rule (its evidence stays until ``lrs competency rebuild``)."""
    now_us = time.time_ns() // 1000
    with host.write() as session:
        rule = _get(session, tenant_id, rule_id)
        _announce(host, session, tenant_id, actor, "deleted", rule, source, now_us)
        session.delete(rule)
