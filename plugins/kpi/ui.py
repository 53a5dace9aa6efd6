"""The web UI's "KPIs" page, for analysts and admins: every KPI with its current period's
value, target, status and trend, and the latest status changes (the alerts).

Titles, owners and keys were written by whoever defined the KPIs, so they are only
ever rendered as text (Jinja's autoescape). Status is spelled out in words, never
shown by colour alone.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from lrs.plugin.host import AdminPage, Host
from plugins.kpi import service

ROLES = ("analyst", "admin")
#: The UI works on the default store, as the other plugins' pages do.
TENANT_ID = 1


def admin_pages() -> list[AdminPage]:
    return [AdminPage("KPIs", endpoint="kpi_ui.index", roles=ROLES)]


def create_ui_blueprint(host: Host) -> Blueprint:
    blueprint = Blueprint("kpi_ui", __name__, url_prefix="/ui/kpi", template_folder="templates")

    @blueprint.get("/")
    @host.requires_role(*ROLES)
    def index() -> Any:
        return render_template(
            "kpi/kpis.html",
            kpis=service.overview(host, TENANT_ID),
            alerts=service.recent_alerts(host, TENANT_ID, 50),
        )

    return blueprint
