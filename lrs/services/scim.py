"""What SCIM's use cases share: who provisions, pages of results, and one-transaction writes.

A SCIM client acts as the credential it authenticated with: in that
credential's store only, recorded in the audit trail as ``credential:<key>``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError

from lrs.models.types import iso_time
from lrs.scim.errors import ScimError, invalid, uniqueness
from lrs.scim.filter import Filter, parse_filter
from lrs.scim.schemas import LIST_RESPONSE
from lrs.xapi.errors import BadRequest, Conflict

T = TypeVar("T")


@dataclass(frozen=True)
class Caller:
    """Who provisions: their store, their name in the audit trail, where they are."""

    tenant_id: int
    #: ``credential:<key>``.
    actor: str
    #: The base URL of ``/scim/v2``, for ``meta.location`` and ``$ref``.
    base: str
    source: dict[str, str] | None = None


@dataclass(frozen=True)
class Page:
    """``startIndex`` (1-based) and ``count`` of a list request, and its ``filter``."""

    start: int = 1
    count: int = 100
    filter: Filter | None = None

    @property
    def offset(self) -> int:
        return self.start - 1


def read_page(args: dict[str, str], max_results: int) -> Page:
    """The paging and filter of a list request's query (RFC 7644 §3.4.2.4): a
    ``startIndex`` below 1 is 1, a ``count`` below 0 is 0, above the limit the limit.

    :raises ScimError: a non-integer ``startIndex``/``count``, or an unreadable filter.
    """
    numbers = {}
    for name, default in (("startIndex", 1), ("count", max_results)):
        text = args.get(name, "").strip()
        digits = text.removeprefix("-")
        if text and not (digits.isascii() and digits.isdigit()):
            raise invalid("invalidValue", f"{name}: {text!r} is not an integer")
        if not text:
            numbers[name] = default
        elif len(digits) > 18:  # past any offset a database takes: nothing to list there
            numbers[name] = -1 if text.startswith("-") else _LARGEST_START
        else:
            numbers[name] = min(int(text), _LARGEST_START)
    text = args.get("filter", "").strip()
    return Page(
        start=max(1, numbers["startIndex"]),
        count=min(max(0, numbers["count"]), max_results),
        filter=parse_filter(text) if text else None,
    )


#: The largest ``startIndex`` looked for (a database offset is a signed 64-bit integer).
_LARGEST_START = 2**62


def list_response(page: Page, total: int, resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "schemas": [LIST_RESPONSE],
        "totalResults": total,
        "startIndex": page.start,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }


def meta(created_us: int, updated_us: int) -> dict[str, str]:
    return {"created": iso_time(created_us), "lastModified": iso_time(updated_us)}


def as_scim(write: Callable[[], T], what: str) -> T:
    """Run a write, turning the directory's refusals into SCIM ones: a name or an
    identity taken (also by a concurrent request, caught by a unique index) is a 409
    ``uniqueness``, a value the directory refuses a 400 ``invalidValue``."""
    try:
        return write()
    except ScimError:
        raise
    except Conflict as exc:
        raise uniqueness(exc.message) from None
    except BadRequest as exc:
        raise invalid("invalidValue", exc.message) from None
    except IntegrityError:
        raise uniqueness(
            f"another request changed the same {what} at the same time; retry"
        ) from None
