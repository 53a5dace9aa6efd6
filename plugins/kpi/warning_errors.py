"""Errors of the early-warning API users can act on: what is wrong and where (a JSON path)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class WarningError(Exception):
    """Refused input (``400``), an unknown flag, rule or group (``404``), a conflict (``409``).

    The HTTP API answers ``{"error", "message", "errors": [{"path", "message"}]}``;
    ``lrs kpi warnings`` prints the message and each problem on one line.
    """

    message: str
    errors: list[dict[str, str]] = field(default_factory=list)
    status: int = 400
    code: str = "bad_request"

    def __str__(self) -> str:
        details = "; ".join(f"{e['path']}: {e['message']}" for e in self.errors)
        return f"{self.message} ({details})" if details else self.message


def not_found(message: str, path: str = "$") -> WarningError:
    return WarningError(message, [{"path": path, "message": message}], 404, "not_found")
