"""Scopes and what each one allows: the hierarchy lives here and only here.

The scopes of one application are a :class:`ScopeRegistry`: the xAPI scopes, the
core scopes beyond xAPI (``metrics/read``) and those plugins declare with the
``register_scopes`` hook (:func:`lrs.machinery.hooks.scope_registry` builds it, and the
runtime keeps it). Only the xAPI scopes imply one another: ``all`` is xAPI's
"everything the xAPI allows" and grants no core or plugin scope, which are
granted explicitly (least privilege: an LMS holding ``all`` cannot read audit
exports).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from lrs.plugin.registry import Registry
from lrs.xapi.errors import BadRequest

#: Every xAPI scope a credential may carry (xAPI 1.0.3 §4.3, "OAuth Scope").
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

#: ``namespace/name[/more]``: lowercase words, at least one ``/``.
_PLUGIN_SCOPE = re.compile(r"[a-z0-9][a-z0-9_.-]*(/[a-z0-9][a-z0-9_.-]*)+")


@dataclass(frozen=True)
class Scope:
    """A permission a credential or OAuth client can be granted.

    Plugins return these from ``register_scopes`` (imported from
    :mod:`lrs.plugin.hookspecs`); the registry fills in ``origin``.
    """

    #: What is granted, e.g. ``audit/read``: the plugin's namespace, a ``/``, a verb.
    name: str
    #: One line for ``lrs scopes list`` and administrators choosing scopes.
    description: str
    #: ``"core"`` or the name of the plugin that declared it.
    origin: str = "core"


CORE_SCOPES = (
    Scope("all", "Every xAPI resource, read and write (not core or plugin scopes)."),
    Scope("all/read", "Read every xAPI resource."),
    Scope("statements/write", "Store and void statements."),
    Scope("statements/read", "Read every statement."),
    Scope("statements/read/mine", "Read the statements this credential stored."),
    Scope("state", "Read and write activity state documents."),
    Scope("define", "Define activities and agents (activity and agent profiles)."),
    Scope("profile", "Read and write activity and agent profile documents."),
    Scope("metrics/read", "Read KPI metrics (/api/metrics, lrs metrics)."),
    Scope("assignments/read", "Read assignments and who is compliant (/api/assignments)."),
    Scope("assignments/write", "Create, import and delete assignments (/api/assignments)."),
    Scope("scim", "Provision people and groups through SCIM 2.0 (/scim/v2)."),
    Scope("notifications/read", "Read notifications and email subscriptions "
          "(/api/notifications)."),
    Scope("notifications/write", "Subscribe and unsubscribe email addresses "
          "(/api/notifications/subscriptions)."),
)

#: First segments plugins may not use: they belong to xAPI and core.
_RESERVED_NAMESPACES = frozenset(scope.name.split("/")[0] for scope in CORE_SCOPES)


class ScopeRegistry(Registry[Scope]):
    """The scopes an application knows, in declaration order: core first, then plugins."""

    noun = "scope"
    hook = "register_scopes"
    item_type = Scope

    def __init__(self, scopes: Iterable[Scope] = CORE_SCOPES) -> None:
        super().__init__(scopes)

    def problem(self, item: Scope, plugin: str) -> str | None:
        """Plugin scopes are namespaced (``audit/read``), outside xAPI's and core's namespaces."""
        if not _PLUGIN_SCOPE.fullmatch(item.name):
            return (f"scope {item.name!r} must be namespaced like '{plugin}/read' "
                    "(lowercase, with a '/')")
        namespace = item.name.split("/")[0]
        if namespace in _RESERVED_NAMESPACES:
            return (f"scope {item.name!r} uses the namespace {namespace!r} reserved for xAPI "
                    "and core scopes")
        return None

    def check(self, scopes: Iterable[str]) -> None:
        """Refuse a grant naming no scope or one this application does not know.

        :raises BadRequest: listing the unknown ones and every valid scope.
        """
        scopes = list(scopes)
        bad = [scope for scope in scopes if scope not in self]
        if bad or not scopes:
            raise BadRequest(f"unknown scope(s) {', '.join(bad) or '(none given)'}; "
                             f"valid scopes: {', '.join(self.names())}")


def expand(granted: Iterable[str]) -> frozenset[str]:
    """Every scope that ``granted`` allows, its own included."""
    allowed: set[str] = set()
    for scope in granted:
        allowed |= _IMPLIES.get(scope, frozenset({scope}))
    return frozenset(allowed)
