"""Errors users can act on: each says what is wrong and where (a JSON path)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class KpiError(Exception):
    """Refused input (``400``), an unknown KPI (``404``), a KPI that exists (``409``).

    The HTTP API answers ``{"error", "message", "errors": [{"path", "message"}]}``;
    ``lrs kpi`` prints the message and each problem on one line.
    """

    message: str
    errors: list[dict[str, str]] = field(default_factory=list)
    status: int = 400
    code: str = "bad_request"

    def __str__(self) -> str:
        details = "; ".join(f"{e['path']}: {e['message']}" for e in self.errors)
        return f"{self.message} ({details})" if details else self.message


def not_found(key: str) -> KpiError:
    return KpiError(f"no KPI {key!r}; GET /api/kpis lists them", status=404, code="not_found")
