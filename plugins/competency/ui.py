"""The web UI's "Competency frameworks" pages, for admins: the frameworks, one
framework's tree with retired items and each item's history, and the evidence rules
(list, add, delete); the views pages (profiles, heat maps, gaps) are in
:mod:`plugins.competency.views_ui`.

Everything shown was written by a package or a CSV file, so it is only ever
rendered as text (Jinja's autoescape), never as markup.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from lrs.plugin.host import AdminPage, Host
from plugins.competency.errors import CompetencyError
from plugins.competency.frameworks import framework_detail, list_frameworks, tree_lines
from plugins.competency.rules import TARGET_KINDS, delete_rule, list_rules, rule_number, save_rule
from plugins.competency.views_ui import VIEW_ROLES, add_view_pages

ROLES = ("admin",)
#: The UI works on the default store, as the audit trail's page does.
TENANT_ID = 1


def admin_pages() -> list[AdminPage]:
    return [
        AdminPage("Competency frameworks", endpoint="competency_ui.index", roles=ROLES),
        AdminPage("Evidence rules", endpoint="competency_ui.rules", roles=ROLES),
        AdminPage("Competency views", endpoint="competency_ui.views", roles=VIEW_ROLES),
    ]


def _number(text: str) -> Any:
    """A form's number, or the text itself for the rule's check to name."""
    try:
        return int(text) if text.isdigit() else float(text)
    except ValueError:
        return text


def rule_from_form(form: MultiDict[str, str]) -> dict[str, Any]:
    """The JSON rule the API takes, from the page's form (lists one per line)."""
    lines = {
        name: [v.strip() for v in form.get(name, "").splitlines() if v.strip()]
        for name in ("competencies", "verbs")
    }
    data: dict[str, Any] = {
        "target_kind": form.get("target_kind", ""),
        "target": form.get("target", "").strip(),
        **lines,
        "success_required": form.get("success_required") == "on",
    }
    for name in ("min_scaled", "weight", "valid_days"):
        if form.get(name, "").strip():
            data[name] = _number(form[name].strip())
    return data


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

    def rules_page(status: int = 200, error: CompetencyError | None = None) -> Any:
        return render_template(
            "competency/rules.html",
            rules=list_rules(host, TENANT_ID),
            kinds=TARGET_KINDS,
            error=error,
            form=request.form,
        ), status

    @blueprint.get("/rules")
    @host.requires_role(*ROLES)
    def rules() -> Any:
        return rules_page()

    @blueprint.post("/rules")
    @host.requires_role(*ROLES)
    def add_rule() -> Any:
        try:
            save_rule(host, TENANT_ID, rule_from_form(request.form), actor=g.web_user.actor)
        except CompetencyError as exc:
            return rules_page(exc.status, exc)
        return redirect(url_for("competency_ui.rules"))

    @blueprint.post("/rules/<rule_id>/delete")
    @host.requires_role(*ROLES)
    def remove_rule(rule_id: str) -> Any:
        try:
            delete_rule(host, TENANT_ID, rule_number(rule_id), actor=g.web_user.actor)
        except CompetencyError as exc:
            return rules_page(exc.status, exc)
        return redirect(url_for("competency_ui.rules"))

    add_view_pages(blueprint, host)
    return blueprint
