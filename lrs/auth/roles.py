"""The roles of people who use the web UI, and how identity-provider groups map to them.

Roles are defined here once. A person's roles come from a claim of their ID token
(``groups`` by default, :attr:`~lrs.settings.Settings.oidc_roles_claim`) through
the mapping of :attr:`~lrs.settings.Settings.oidc_role_mapping`; a local
bootstrap admin is an ``admin``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

#: Credentials, OAuth clients, plugins, configuration: everything.
ADMIN = "admin"
#: Audit trail: verification, exports, compliance reports.
COMPLIANCE_OFFICER = "compliance_officer"
#: KPI dashboards, read-only.
ANALYST = "analyst"
#: Dashboards, at-risk lists and competency views of their own people (their direct
#: and indirect reports in the people directory), nobody else's.
MANAGER = "manager"

#: Every role, most powerful first, with what a person holding it may do.
ROLES: dict[str, str] = {
    ADMIN: "Manage credentials, OAuth clients, plugins and configuration",
    COMPLIANCE_OFFICER: "Verify the audit trail, export it and run compliance reports",
    ANALYST: "Read KPI dashboards (read-only)",
    MANAGER: "See dashboards, at-risk lists and competency views of their own people",
}

#: Roles whose holders see every person of the directory on the pages that list
#: people; a ``manager`` without one of them sees only their reports
#: (:meth:`lrs.plugin.host.Host.people_in_view`).
SEES_EVERYONE: frozenset[str] = frozenset({ADMIN, COMPLIANCE_OFFICER, ANALYST})


def check_roles(roles: Iterable[str], what: str) -> None:
    """Refuse a declaration of access with no role or an unknown one.

    :param what: what declares them, for the message (``"admin page 'Audit'"``).
    :raises ValueError: at start-up, so a typo never opens or closes a page silently.
    """
    roles = list(roles)
    unknown = [role for role in roles if role not in ROLES]
    if unknown or not roles:
        raise ValueError(f"{what}: unknown or no roles {unknown}; choose from {', '.join(ROLES)}")


class RoleMappingError(ValueError):
    """``LRS_OIDC_ROLE_MAPPING`` is malformed or names an unknown role."""


def parse_role_mapping(text: str) -> dict[str, frozenset[str]]:
    """``"weft-admins=admin, auditors=compliance_officer"`` as ``{group: roles}``.

    A group may be listed more than once to give it several roles. Group names
    are kept as written (Entra ID sends object ids, Keycloak paths such as
    ``/weft-admins``), only surrounding spaces are dropped.
    """
    mapping: dict[str, set[str]] = {}
    for pair in filter(None, (part.strip() for part in text.split(","))):
        group, sep, role = (piece.strip() for piece in pair.rpartition("="))
        if not sep or not group:
            raise RoleMappingError(f"{pair!r} is not GROUP=ROLE")
        if role not in ROLES:
            raise RoleMappingError(f"unknown role {role!r} (roles: {', '.join(ROLES)})")
        mapping.setdefault(group, set()).add(role)
    return {group: frozenset(roles) for group, roles in mapping.items()}


def claimed_groups(claims: Mapping[str, Any], claim: str) -> list[str]:
    """The groups in ``claims[claim]``; a dotted ``claim`` reaches into nested objects.

    A list is taken as is, a string as one group (or space-separated groups, as
    some providers send roles), anything else as no group.
    """
    value: Any = claims
    for part in claim.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return []


def roles_for(groups: Iterable[str], mapping: Mapping[str, frozenset[str]]) -> frozenset[str]:
    """Every role that one of ``groups`` is mapped to."""
    return frozenset(role for group in groups for role in mapping.get(group, ()))
