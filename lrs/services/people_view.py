"""Which people of a store a person signed in to the web UI may see (docs/sso.md).

Pages that list people (at-risk flags, competency views, dashboards) ask
:meth:`lrs.plugin.host.Host.people_in_view`, which comes here. Admins, analysts
and compliance officers see everyone; a manager sees their direct and indirect
reports in the people directory, and nobody when the directory does not know
them. API calls are not persons: credentials are governed by scopes.
"""

from __future__ import annotations

from lrs.auth.roles import MANAGER, SEES_EVERYONE
from lrs.auth.sso import WebUser
from lrs.plugin.people_view import EVERYONE, NOBODY, PeopleInView
from lrs.services.core import Core
from lrs.store.reporting_lines import employee_id_by_identity, reports_of
from lrs.xapi.actors import agent_ifi_key


def people_in_view(core: Core, *, tenant_id: int, user: WebUser) -> PeopleInView:
    """What ``user`` may see of the store's people: two indexed queries for a manager,
    none for the others."""
    if user.roles & SEES_EVERYONE:
        return EVERYONE
    if MANAGER not in user.roles:
        return NOBODY
    with core.db.read() as session:
        manager = employee_id_by_identity(session, tenant_id, identity_keys(user))
        if manager is None:
            return NOBODY
        return PeopleInView(everyone=False, employee_ids=reports_of(session, tenant_id, manager))


def identity_keys(user: WebUser) -> list[str]:
    """The directory identities that are ``user``, the strongest first: the account
    ``issuer|subject`` of their OIDC sign-in, then their email address (lowercased, as
    the directory keeps every person's email and aliases as ``mbox`` identities)."""
    keys = []
    if user.issuer:
        keys.append(agent_ifi_key({"account": {"homePage": user.issuer, "name": user.subject}}))
    if user.email:
        keys.append(agent_ifi_key({"mbox": "mailto:" + user.email.strip().lower()}))
    return keys
