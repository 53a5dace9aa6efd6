"""KPI evaluation: targets, cohorts, pilot versus control and early warning (docs/kpi.md).

Registered through the ``kpi`` entry point of ``lrs.plugins``, like a third-party
plugin: it reads the record through :mod:`lrs.plugin` only (the people directory,
assignments, the metrics other plugins register) and keeps its rollups, KPI
definitions, statuses and early-warning flags in tables of its own.
"""

from __future__ import annotations

from lrs.plugin.hookspecs import Scope, hookimpl


@hookimpl
def register_scopes() -> list[Scope]:
    return [
        Scope("kpi/read", "Read KPIs, their values, statuses and cohort comparisons."),
        Scope("kpi/write", "Define KPIs and their targets."),
        Scope("kpi/risk", "Read early-warning flags on learners and record actions on them."),
    ]
