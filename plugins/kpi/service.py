"""What the API, the CLI and the UI show of KPIs: definitions with their latest results,
one KPI's detail, its history, and the recorded status changes.

Everything here reads the plugin's own tables (definitions, recorded results,
alerts): showing a dashboard never computes a measure.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from plugins.kpi.definitions import definition, definitions
from plugins.kpi.evaluation import history, latest_by_definition, result_body
from plugins.kpi.models import Alert

if TYPE_CHECKING:
    from lrs.plugin.host import Host

#: Past values listed with each KPI of ``GET /api/kpis`` (a tile's sparkline).
TREND_POINTS = 8


def overview(host: Host, tenant_id: int) -> list[dict[str, Any]]:
    """Every KPI with its latest result and its last values, oldest first."""
    found = definitions(host, tenant_id)
    latest = latest_by_definition(host, [i for i, _ in found], TREND_POINTS)
    return [_with_results(spec, [result_body(spec, row) for row in latest[i]]) for i, spec in found]


def _with_results(spec: dict[str, Any], results: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        **spec,
        "current": results[0] if results else None,
        "values": [
            {"period": r["period"]["label"], "value": r["value"], "status": r["status"]}
            for r in reversed(results)
        ],
    }


def detail(host: Host, tenant_id: int, key: str) -> dict[str, Any]:
    """:raises KpiError: 404."""
    definition_id, spec = definition(host, tenant_id, key)
    return _with_results(spec, history(host, definition_id, spec, TREND_POINTS))


def kpi_history(
    host: Host, tenant_id: int, key: str, limit: int | None = None
) -> list[dict[str, Any]]:
    definition_id, spec = definition(host, tenant_id, key)
    return history(host, definition_id, spec, limit)


def recent_alerts(host: Host, tenant_id: int, limit: int = 100) -> list[dict[str, Any]]:
    """The latest status changes, newest first."""
    with host.read() as session:
        rows = session.scalars(
            select(Alert)
            .where(Alert.tenant_id == tenant_id)
            .order_by(Alert.occurred_us.desc(), Alert.id.desc())
            .limit(limit)
        )
        return [
            {
                "kpi": a.kpi,
                "period": a.label,
                "previous": a.previous,
                "status": a.status,
                "value": a.value,
                "target": a.target,
                "occurred": datetime.fromtimestamp(a.occurred_us / 1e6, UTC).isoformat(),
            }
            for a in rows
        ]
