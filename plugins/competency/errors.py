"""Errors users can act on: each says what is wrong and where (a JSON path or a CSV line)."""

from __future__ import annotations

from lrs.plugin.errors import ApiError


class CompetencyError(ApiError):
    """Refused input (``400``) or an unknown framework (``404``).

    The HTTP API answers ``{"error", "message", "errors": [{"path", "message"}]}``
    (:class:`~lrs.plugin.errors.ApiError`);
    ``lrs competency`` prints the message and each problem on one line.
    """


def not_found(message: str) -> CompetencyError:
    return CompetencyError(message, status=404, code="not_found")
