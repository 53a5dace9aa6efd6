"""Errors users can act on: each says what is wrong and where (a JSON path)."""

from __future__ import annotations

from lrs.plugin.errors import ApiError


class KpiError(ApiError):
    """Refused input (``400``), an unknown KPI (``404``), a KPI that exists (``409``).

    The HTTP API answers ``{"error", "message", "errors": [{"path", "message"}]}``
    (:class:`~lrs.plugin.errors.ApiError`);
    ``lrs kpi`` prints the message and each problem on one line.
    """


def not_found(key: str) -> KpiError:
    return KpiError(f"no KPI {key!r}; GET /api/kpis lists them", status=404, code="not_found")
