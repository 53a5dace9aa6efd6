"""The web UI's "At risk" page: early-warning flags with filters, actions and the rules.

The web UI has no manager role (roles are admin, compliance_officer, analyst:
lrs/auth/roles.py), so it cannot restrict a manager to their own people: the page
is for admins and analysts, who filter by manager; analysts read, admins also
record actions (acknowledged, contacted, dismissed). Names come from the
directory and reasons quote activity IRIs clients sent, so everything is
rendered as text (Jinja's autoescape).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, g, render_template, request

from lrs.plugin.host import AdminPage, Host
from plugins.kpi.warning_errors import WarningError
from plugins.kpi.warning_flags import (
    ACTIONS,
    FILTERS,
    act,
    flag_number,
    list_flags,
    parse_action,
    show_flag,
)
from plugins.kpi.warning_rules import RULES, rule_configs

READERS = ("admin", "analyst")
ACTORS = ("admin",)
#: The UI works on the default store, as the other plugins' pages do.
TENANT_ID = 1


def admin_pages() -> list[AdminPage]:
    return [AdminPage("At risk", endpoint="kpi_warnings_ui.index", roles=READERS)]


def create_ui_blueprint(host: Host) -> Blueprint:
    blueprint = Blueprint(
        "kpi_warnings_ui", __name__, url_prefix="/ui/kpi/warnings", template_folder="templates"
    )

    def page(status: int = 200, error: WarningError | None = None, done: str | None = None) -> Any:
        filters = {k: (request.args.get(k) or "").strip() for k in ("manager", "group", "rule")}
        filters["status"] = request.args.get("status") or "active"
        flags: list[dict[str, Any]] = []
        try:
            flags = list_flags(
                host,
                TENANT_ID,
                manager=filters["manager"] or None,
                group=filters["group"] or None,
                rule=filters["rule"] or None,
                status=filters["status"],
            )
        except WarningError as exc:
            error, status = error or exc, exc.status if status == 200 else status
        with host.read() as session:
            rules = [c.as_dict() for c in rule_configs(session, TENANT_ID)]
        return render_template(
            "kpi/warnings.html",
            flags=flags,
            rules=rules,
            filters=filters,
            statuses=FILTERS,
            rule_names=list(RULES),
            actions=ACTIONS,
            can_act=bool(set(g.web_user.roles) & set(ACTORS)),
            error=error,
            done=done,
        ), status

    @blueprint.get("/")
    @host.requires_role(*READERS)
    def index() -> Any:
        return page()

    @blueprint.get("/<flag_id>")
    @host.requires_role(*READERS)
    def flag(flag_id: str) -> Any:
        try:
            found = show_flag(host, TENANT_ID, flag_number(flag_id))
        except WarningError as exc:
            return page(exc.status, exc)
        facts = {
            k: json.dumps(v, indent=1) if isinstance(v, (list, dict)) else v
            for k, v in found["facts"].items()
        }
        return render_template("kpi/warnings_flag.html", flag=found, facts=facts)

    @blueprint.post("/<flag_id>/actions")
    @host.requires_role(*ACTORS)
    def record(flag_id: str) -> Any:
        try:
            number = flag_number(flag_id)
            action, note = parse_action(
                {"action": request.form.get("action"), "note": request.form.get("note") or None}
            )
            act(host, TENANT_ID, number, action, note, actor=g.web_user.actor)
        except WarningError as exc:
            return page(exc.status, exc)
        return page(done=f"Flag {flag_id}: {action} recorded.")

    return blueprint
