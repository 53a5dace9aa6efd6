"""SCIM's error responses (RFC 7644 §3.12): a status, a ``scimType`` and a ``detail``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lrs.xapi.errors import XapiError

ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"


@dataclass
class ScimError(XapiError):
    """A refusal a SCIM client can act on; ``message`` names the attribute at fault.

    A subclass of :class:`~lrs.xapi.errors.XapiError` so that it carries its
    status the same way; the SCIM blueprint renders it with :func:`error_body`.
    """

    status_code: int = 400
    #: ``invalidFilter``, ``invalidValue``, ``invalidSyntax``, ``invalidPath``,
    #: ``noTarget``, ``uniqueness``, ``mutability``, ``tooMany``... (RFC 7644 table 9).
    scim_type: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        self.status = self.status_code  # type: ignore[misc]


def invalid(scim_type: str, detail: str) -> ScimError:
    """A 400 of the given ``scimType``."""
    return ScimError(detail, status_code=400, scim_type=scim_type)


def uniqueness(detail: str) -> ScimError:
    """A 409: the value is another resource's (RFC 7644 §3.3)."""
    return ScimError(detail, status_code=409, scim_type="uniqueness")


def not_found(resource: str, scim_id: str) -> ScimError:
    return ScimError(f"no {resource} with id {scim_id!r}", status_code=404)


def error_body(status: int, detail: str, scim_type: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"schemas": [ERROR_SCHEMA], "status": str(status)}
    if scim_type:
        body["scimType"] = scim_type
    body["detail"] = detail
    return body
