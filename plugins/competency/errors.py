"""Errors users can act on: each says what is wrong and where (a JSON path or a CSV line)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class CompetencyError(Exception):
    """Refused input (``400``) or an unknown framework (``404``).

    The HTTP API answers ``{"error", "message", "errors": [{"path", "message"}]}``;
    ``lrs competency`` prints the message and each problem on one line.
    """

    message: str
    errors: list[dict[str, str]] = field(default_factory=list)
    status: int = 400
    code: str = "bad_request"

    def __str__(self) -> str:
        details = "; ".join(f"{e['path']}: {e['message']}" for e in self.errors)
        return f"{self.message} ({details})" if details else self.message


def not_found(message: str) -> CompetencyError:
    return CompetencyError(message, status=404, code="not_found")
