"""Errors users can act on: each says what is wrong and where (a JSON path or a line)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class AttendanceError(Exception):
    """Refused input (``400``), an unknown session or review (``404``), a conflict (``409``).

    The HTTP API answers ``{"error", "message", "errors": [{"path", "message"}]}``;
    ``lrs attendance`` prints the message and each problem on one line.
    """

    message: str
    errors: list[dict[str, str]] = field(default_factory=list)
    status: int = 400
    code: str = "bad_request"

    def __str__(self) -> str:
        details = "; ".join(f"{e['path']}: {e['message']}" for e in self.errors)
        return f"{self.message} ({details})" if details else self.message


def not_found(message: str) -> AttendanceError:
    return AttendanceError(message, status=404, code="not_found")
