"""Errors that carry an HTTP status and a machine-readable body.

Every error an xAPI client can cause is an :class:`XapiError`. The single error
handler in :mod:`lrs.http.errors` turns it into the JSON body clients rely on::

    {"error": "invalid_statement", "message": "...",
     "errors": [{"path": "$[3].actor.mbox", "message": "must start with \\"mailto:\\""}]}

Keeping the status on the exception (rather than in each view) means the pure
``xapi`` and ``store`` layers can say *what* went wrong without knowing Flask.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ErrorDetail:
    """One problem at one place of the request body (JSONPath, ``$`` is the root)."""

    path: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


@dataclass
class XapiError(Exception):
    """Base class: ``status`` and ``error`` are overridden by subclasses."""

    message: str
    errors: list[ErrorDetail] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    status = 400
    error = "bad_request"

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.error, "message": self.message}
        if self.errors:
            body["errors"] = [e.as_dict() for e in self.errors]
        return body


class BadRequest(XapiError):
    status = 400
    error = "bad_request"


class InvalidStatement(BadRequest):
    """A statement (or batch) broke a Data-part rule; ``errors`` says where."""

    error = "invalid_statement"

    @classmethod
    def from_details(cls, details: list[ErrorDetail]) -> InvalidStatement:
        first = details[0]
        more = f" (and {len(details) - 1} more)" if len(details) > 1 else ""
        return cls(f"{first.path}: {first.message}{more}", errors=details)


class Unauthorized(XapiError):
    status = 401
    error = "unauthorized"

    def __post_init__(self) -> None:
        super().__post_init__()
        self.headers.setdefault("WWW-Authenticate", 'Basic realm="xAPI"')


class Forbidden(XapiError):
    status = 403
    error = "forbidden"


class NotFound(XapiError):
    status = 404
    error = "not_found"


class MethodNotAllowed(XapiError):
    status = 405
    error = "method_not_allowed"


class Conflict(XapiError):
    status = 409
    error = "conflict"


class PreconditionFailed(XapiError):
    status = 412
    error = "precondition_failed"


class PayloadTooLarge(XapiError):
    status = 413
    error = "payload_too_large"


class UnsupportedMediaType(XapiError):
    status = 415
    error = "unsupported_media_type"


class PreconditionRequired(XapiError):
    status = 428
    error = "precondition_required"


class TooManyRequests(XapiError):
    status = 429
    error = "too_many_requests"


class ServiceUnavailable(XapiError):
    status = 503
    error = "service_unavailable"


def flatten_messages(messages: Any, root: str = "$") -> list[ErrorDetail]:
    """Turn marshmallow's nested ``{field: [msg]}`` / ``{index: {...}}`` into paths.

    marshmallow reports errors as nested dicts keyed by field name or list index;
    clients need one flat list they can show next to the offending value.
    """
    details: list[ErrorDetail] = []
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            if key == "_schema":
                details.extend(flatten_messages(value, root))
                continue
            step = f"[{key}]" if isinstance(key, int) else member_step(str(key))
            details.extend(flatten_messages(value, root + step))
    elif isinstance(messages, list | tuple):
        for item in messages:
            details.extend(flatten_messages(item, root))
    else:
        details.append(ErrorDetail(root, str(messages)))
    return details


def member_step(name: str) -> str:
    """JSONPath member step; bracket notation for names that are not identifiers."""
    if name.isidentifier():
        return f".{name}"
    escaped = name.replace("\\", "\\\\").replace("'", "\\'")
    return f"['{escaped}']"
