"""The web UI's "Competency frameworks" pages, for admins: the frameworks, and one
framework's tree with retired items and each item's history.

Everything shown was written by a package or a CSV file, so it is only ever
rendered as text (Jinja's autoescape), never as markup.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from lrs.plugin.host import AdminPage, Host
from plugins.competency.errors import CompetencyError
from plugins.competency.frameworks import framework_detail, list_frameworks, tree_lines
from plugins.competency.views_ui import VIEW_ROLES, add_view_pages

ROLES = ("admin",)
#: The UI works on the default store, as the audit trail's page does.
TENANT_ID = 1


def admin_pages() -> list[AdminPage]:
    return [
        AdminPage("Competency frameworks", endpoint="competency_ui.index", roles=ROLES),
        AdminPage("Competency views", endpoint="competency_ui.views", roles=VIEW_ROLES),
    ]


def create_ui_blueprint(host: Host) -> Blueprint:
    blueprint = Blueprint(
        "competency_ui", __name__, url_prefix="/ui/competency", template_folder="templates"
    )

    @blueprint.get("/")
    @host.requires_role(*ROLES)
    def index() -> Any:
        return render_template(
            "competency/frameworks.html", frameworks=list_frameworks(host, TENANT_ID)
        )

    @blueprint.get("/<identifier>")
    @host.requires_role(*ROLES)
    def framework(identifier: str) -> Any:
        try:
            detail = framework_detail(host, TENANT_ID, identifier)
        except CompetencyError as exc:
            return render_template("competency/framework.html", error=exc), exc.status
        return render_template(
            "competency/framework.html", framework=detail, tree=tree_lines(detail), error=None
        )

    add_view_pages(blueprint, host)
    return blueprint
