"""xAPI scopes and what each one allows: the hierarchy lives here and only here."""

from __future__ import annotations

from collections.abc import Iterable

#: Every scope a credential may carry (xAPI 1.0.3 §4.3, "OAuth Scope").
XAPI_SCOPES = (
    "all",
    "all/read",
    "statements/write",
    "statements/read",
    "statements/read/mine",
    "state",
    "define",
    "profile",
)

#: A granted scope (key) implies each scope in its value.
_IMPLIES: dict[str, frozenset[str]] = {
    "all": frozenset(XAPI_SCOPES),
    "all/read": frozenset({"all/read", "statements/read", "statements/read/mine"}),
    "statements/read": frozenset({"statements/read", "statements/read/mine"}),
}


def expand(granted: Iterable[str]) -> frozenset[str]:
    """Every scope that ``granted`` allows, its own included."""
    allowed: set[str] = set()
    for scope in granted:
        allowed |= _IMPLIES.get(scope, frozenset({scope}))
    return frozenset(allowed)


def unknown(scopes: Iterable[str]) -> list[str]:
    return [s for s in scopes if s not in XAPI_SCOPES]
