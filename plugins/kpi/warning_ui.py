"""The web UI's "At risk" page: early-warning flags with filters, actions and the rules.

Admins and analysts see every flag, managers only the flags of their own people
(their direct and indirect reports in the people directory,
``host.people_in_view``): someone else's flag is a 404 to them, as a flag that
does not exist, so the page never tells who else is flagged. Analysts read;
admins and managers also record actions (acknowledged, contacted, dismissed).
Names come from the directory and reasons quote activity IRIs clients sent, so
everything is rendered as text (Jinja's autoescape).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, g, render_template, request

from lrs.plugin.host import AdminPage, Host
from plugins.kpi.warning_errors import WarningError, not_found
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

READERS = ("admin", "analyst", "manager")
ACTORS = ("admin", "manager")
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
        view = host.people_in_view(TENANT_ID)
        try:
            flags = list_flags(
                host,
                TENANT_ID,
                manager=filters["manager"] or None,
                group=filters["group"] or None,
                rule=filters["rule"] or None,
                status=filters["status"],
            )
            flags = [f for f in flags if view.allows(f["employee_id"])]
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
            everyone=view.everyone,
            error=error,
            done=done,
        ), status

    def flag_in_view(number: int) -> dict[str, Any]:
        """The flag, if it is about someone the signed-in person may see.

        :raises WarningError: no such flag, or someone else's (both 404, alike).
        """
        found = show_flag(host, TENANT_ID, number)
        if not host.people_in_view(TENANT_ID).allows(found["employee_id"]):
            raise not_found(f"no early-warning flag {number}")
        return found

    @blueprint.get("/")
    @host.requires_role(*READERS)
    def index() -> Any:
        return page()

    @blueprint.get("/<flag_id>")
    @host.requires_role(*READERS)
    def flag(flag_id: str) -> Any:
        try:
            found = flag_in_view(flag_number(flag_id))
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
            number = flag_in_view(flag_number(flag_id))["id"]
            action, note = parse_action(
                {"action": request.form.get("action"), "note": request.form.get("note") or None}
            )
            act(host, TENANT_ID, number, action, note, actor=g.web_user.actor)
        except WarningError as exc:
            return page(exc.status, exc)
        return page(done=f"Flag {flag_id}: {action} recorded.")

    return blueprint
