"""The web UI at ``/ui``: sign-in, and pages for admins, compliance officers, analysts
and managers.

:func:`init_web` wires it into an application: the session cookie, CSRF and
headers (:mod:`lrs.web.security`), the identity provider's client
(:mod:`lrs.auth.sso`), the ``web`` blueprint and the navigation, to which plugins
add pages (``register_admin_pages``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, url_for

from lrs.auth.roles import ADMIN, ANALYST, COMPLIANCE_OFFICER, MANAGER, ROLES
from lrs.auth.sso import init_sso
from lrs.plugin.host import AdminPage
from lrs.runtime import Runtime
from lrs.web import (
    views_admin,
    views_assignments,
    views_connectors,
    views_directory,
    views_erasure,
    views_notifications,
    views_pages,
    views_sign_in,
)
from lrs.web.access import current_user
from lrs.web.security import init_security

#: Core's navigation; plugins' pages follow.
CORE_PAGES = (
    AdminPage("Home", endpoint="web.home", roles=tuple(ROLES)),
    AdminPage("Credentials", endpoint="web.credentials", roles=(ADMIN,)),
    AdminPage("OAuth clients", endpoint="web.oauth_clients", roles=(ADMIN,)),
    AdminPage("Plugins", endpoint="web.plugins", roles=(ADMIN,)),
    AdminPage("Configuration", endpoint="web.configuration", roles=(ADMIN,)),
    AdminPage("Connectors", endpoint="web.connectors", roles=(ADMIN,)),
    AdminPage("Erasure", endpoint="web.erasure", roles=(ADMIN,)),
    AdminPage("Assignments", endpoint="web.assignments", roles=(ADMIN,)),
    AdminPage("Dashboard", endpoint="web.dashboard", roles=(ANALYST, ADMIN)),
    AdminPage("People", endpoint="web.people", roles=(ADMIN,)),
    AdminPage("Groups", endpoint="web.people_groups", roles=(ADMIN,)),
    AdminPage("Notifications", endpoint="web.notifications", roles=(ADMIN, ANALYST)),
)


def create_web_blueprint() -> Blueprint:
    bp = Blueprint("web", __name__, url_prefix="/ui", template_folder="templates",
                   static_folder="static")
    for module in (views_sign_in, views_pages, views_admin, views_connectors, views_erasure,
                   views_directory, views_assignments, views_notifications):
        module.add_routes(bp)
    return bp


def init_web(app: Flask, runtime: Runtime) -> None:
    """Add the web UI to ``app`` (after the plugins' blueprints are registered)."""
    settings = runtime.settings
    init_security(app, lifetime_seconds=settings.session_lifetime_seconds)
    init_sso(app, settings)
    app.register_blueprint(create_web_blueprint())
    pages = (*CORE_PAGES, *runtime.hooks.admin_pages())
    app.extensions["lrs.web.pages"] = pages
    app.context_processor(lambda: _navigation(pages))


def _navigation(pages: tuple[AdminPage, ...]) -> dict[str, Any]:
    """``web_user`` and the ``navigation`` entries ``(title, href)`` their roles open."""
    user = current_user()
    if user is None:
        return {"web_user": None, "navigation": []}
    visible = [(page.title, page.url or url_for(page.endpoint or ""))
               for page in pages if user.roles & set(page.roles)]
    return {"web_user": user, "navigation": visible, "role_titles": _ROLE_TITLES}


_ROLE_TITLES = {ADMIN: "Admin", COMPLIANCE_OFFICER: "Compliance officer", ANALYST: "Analyst",
                MANAGER: "Manager"}
