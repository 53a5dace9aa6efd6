"""The early-warning rules, their parameters and defaults, and each tenant's settings.

A rule is transparent: a name, a sentence saying when it flags someone, and a few
numeric or named parameters with documented defaults (docs/kpi.md, "Early
warning"). A tenant changes a rule's parameters or turns it off through
``PUT /api/kpis/warnings/rules/<rule>``; rules it never touched run with the
defaults. What each rule computes is :mod:`plugins.kpi.warning_engine`.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from plugins.kpi.warning_errors import WarningError, not_found
from plugins.kpi.warning_models import RuleSetting


@dataclass(frozen=True)
class Param:
    """One parameter: a whole number or a number within bounds, or one of ``choices``."""

    name: str
    default: int | float | str
    help: str
    low: float = 0
    high: float = 3650
    choices: tuple[str, ...] = ()

    def check(self, value: Any, path: str) -> list[dict[str, str]]:
        """Problems with ``value`` for this parameter (empty when it is fine)."""
        if self.choices:
            if value not in self.choices:
                return [{"path": path, "message": f"must be one of {', '.join(self.choices)}"}]
            return []
        whole = isinstance(self.default, int)
        if isinstance(value, bool) or not isinstance(value, int if whole else (int, float)):
            return [
                {"path": path, "message": "must be a whole number" if whole else "must be a number"}
            ]
        if not self.low <= value <= self.high:
            return [{"path": path, "message": f"must be from {self.low:g} to {self.high:g}"}]
        return []


@dataclass(frozen=True)
class Rule:
    name: str
    title: str
    #: When it flags someone, in plain words.
    description: str
    params: tuple[Param, ...]

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}


_WINDOW = Param(
    "window_days",
    28,
    "A one-off assignment's window: this many days before "
    "its due date (a recurring one's is its cycle).",
    1,
    3650,
)

RULES: dict[str, Rule] = {
    rule.name: rule
    for rule in (
        Rule(
            "inactive",
            "Inactive",
            "No statement for `days` days while an assignment is open, counted from the "
            "later of the last statement and the day the window opened.",
            (Param("days", 14, "Days without any statement.", 1, 3650), _WINDOW),
        ),
        Rule(
            "behind_schedule",
            "Behind schedule",
            "An open assignment is overdue, or due within `due_soon_days` and not started, "
            "or the share of its window elapsed exceeds the share of its activities "
            "completed by more than `margin`.",
            (
                Param("due_soon_days", 7, "Days before the due date.", 0, 366),
                Param("margin", 0.25, "Elapsed share minus completed share that flags.", 0, 1),
                _WINDOW,
            ),
        ),
        Rule(
            "failed_first_assessment",
            "Failed first assessment",
            "The first attempt with a success result at an activity failed, within the last "
            "`lookback_days` days, and no attempt there has succeeded since.",
            (Param("lookback_days", 60, "Days a failed first attempt stays relevant.", 1, 3650),),
        ),
        Rule(
            "missed_live_session",
            "Missed live session",
            "The last attendance of a live session (verb attended) says completion false, "
            "within the last `lookback_days` days, and no live session was attended since.",
            (Param("lookback_days", 14, "Days a missed session stays relevant.", 1, 3650),),
        ),
        Rule(
            "below_cohort_median",
            "Far below the cohort median",
            "The person's `measure` (mean latest scaled score, or share of activities "
            "completed, on their group's assignments) is below `fraction` of their group's "
            "median, in a group of at least `min_cohort` people with a value.",
            (
                Param("measure", "score", "score or progress.", choices=("score", "progress")),
                Param(
                    "fraction", 0.6, "Share of the median under which a person is flagged.", 0, 1
                ),
                Param("min_cohort", 5, "Fewest people with a value to compare with.", 2, 100000),
            ),
        ),
    )
}


@dataclass(frozen=True)
class RuleConfig:
    """A rule as a tenant runs it."""

    rule: Rule
    enabled: bool
    params: dict[str, Any]
    updated_by: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule.name,
            "title": self.rule.title,
            "description": self.rule.description,
            "enabled": self.enabled,
            "params": self.params,
            "defaults": self.rule.defaults(),
            "help": {p.name: p.help for p in self.rule.params},
            "updated_by": self.updated_by,
        }


def rule_configs(session: Session, tenant_id: int) -> list[RuleConfig]:
    """Every rule as the tenant runs it, in :data:`RULES` order."""
    stored = {
        s.rule: s
        for s in session.scalars(select(RuleSetting).where(RuleSetting.tenant_id == tenant_id))
    }
    configs = []
    for rule in RULES.values():
        setting = stored.get(rule.name)
        params = rule.defaults()
        if setting is not None:
            params.update({k: v for k, v in json.loads(setting.params).items() if k in params})
        configs.append(
            RuleConfig(
                rule,
                setting.enabled if setting else True,
                params,
                setting.updated_by if setting else None,
            )
        )
    return configs


def change_rule(
    session: Session, tenant_id: int, name: str, body: Any, *, actor: str
) -> RuleConfig:
    """Set a rule's ``enabled`` and ``params`` (those not given keep their current value).

    :raises WarningError: unknown rule (404), a malformed body (400, with JSON paths).
    """
    rule = RULES.get(name)
    if rule is None:
        raise not_found(f"no rule {name!r} (rules: {', '.join(RULES)})")
    if not isinstance(body, dict):
        raise WarningError(
            "the body must be a JSON object",
            [{"path": "$", "message": 'expected {"enabled": ..., "params": {}}'}],
        )
    errors = [
        {"path": f"$.{k}", "message": "unknown field (enabled, params)"}
        for k in body
        if k not in ("enabled", "params")
    ]
    if "enabled" in body and not isinstance(body["enabled"], bool):
        errors.append({"path": "$.enabled", "message": "must be true or false"})
    params = body.get("params", {})
    if not isinstance(params, dict):
        errors.append({"path": "$.params", "message": "must be an object"})
        params = {}
    known = {p.name: p for p in rule.params}
    for key, value in params.items():
        if key not in known:
            errors.append(
                {
                    "path": f"$.params.{key}",
                    "message": f"unknown parameter (parameters: {', '.join(known)})",
                }
            )
        else:
            errors.extend(known[key].check(value, f"$.params.{key}"))
    if errors:
        raise WarningError(f"rule {name}: {errors[0]['message']}", errors)
    current = next(c for c in rule_configs(session, tenant_id) if c.rule.name == name)
    merged = {**current.params, **params}
    enabled = body.get("enabled", current.enabled)
    setting = session.get(RuleSetting, (tenant_id, name))
    if setting is None:
        setting = RuleSetting(tenant_id=tenant_id, rule=name)
        session.add(setting)
    setting.enabled = enabled
    setting.params = json.dumps(merged, sort_keys=True)
    setting.updated_by = actor
    setting.updated_us = time.time_ns() // 1000
    return RuleConfig(rule, enabled, merged, actor)
