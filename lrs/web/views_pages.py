"""Home (what each role can do) and the analysts' read-only dashboard."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, render_template, url_for

from lrs.auth.roles import ADMIN, ANALYST, ROLES
from lrs.runtime import current_runtime
from lrs.web.access import requires_role


def add_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/", "home", home, methods=["GET"])
    bp.add_url_rule("/dashboard", "dashboard", dashboard, methods=["GET"])


@requires_role(*ROLES)
def home() -> Any:
    """What the signed-in person can do, role by role."""
    roles = [(role, ROLES[role]) for role in ROLES if role in g.web_user.roles]
    return render_template("web/home.html", roles=roles)


@requires_role(ANALYST, ADMIN)
def dashboard() -> Any:
    """KPI dashboards, read-only.

    KPIs come from plugins (``register_metrics``): the page lists the metrics
    on offer, with where to read them (``GET /api/metrics/<name>``), and links the
    plugin pages open to analysts. Drawing the figures is the next step.
    """
    analyst_pages = [(page.title, page.url or url_for(page.endpoint))
                     for page in current_app.extensions["lrs.web.pages"]
                     if ANALYST in page.roles and page.endpoint not in {"web.home",
                                                                        "web.dashboard"}]
    return render_template("web/dashboard.html", analyst_pages=analyst_pages,
                           metrics=list(current_runtime().metrics))
