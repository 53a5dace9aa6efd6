"""Errors of the early-warning API users can act on: what is wrong and where (a JSON path)."""

from __future__ import annotations

from lrs.plugin.errors import ApiError


class WarningError(ApiError):
    """Refused input (``400``), an unknown flag, rule or group (``404``), a conflict (``409``).

    The HTTP API answers ``{"error", "message", "errors": [{"path", "message"}]}``
    (:class:`~lrs.plugin.errors.ApiError`);
    ``lrs kpi warnings`` prints the message and each problem on one line.
    """


def not_found(message: str, path: str = "$") -> WarningError:
    return WarningError(message, [{"path": path, "message": message}], 404, "not_found")
