"""Errors users can act on: each says what is wrong and where (a JSON path or a line)."""

from __future__ import annotations

from lrs.plugin.errors import ApiError


class AttendanceError(ApiError):
    """Refused input (``400``), an unknown session or review (``404``), a conflict (``409``).

    The HTTP API answers ``{"error", "message", "errors": [{"path", "message"}]}``
    (:class:`~lrs.plugin.errors.ApiError`);
    ``lrs attendance`` prints the message and each problem on one line.
    """


def not_found(message: str) -> AttendanceError:
    return AttendanceError(message, status=404, code="not_found")
