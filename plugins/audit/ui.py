"""The "Audit trail" page of the web UI, for compliance officers and admins.

It shows whether the chain verifies, and offers the exports (CSV, JSON Lines
with a signed manifest, PDF) with their filters and the compliance report,
through the same functions as ``/audit/...`` and ``lrs audit``. The compliance
page (``/ui/audit/compliance``) shows how everyone assigned stands on the
store's assignments, with the statements as evidence. Each export is
recorded in the trail under the signed-in person (``admin:<email>``).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from flask import Blueprint, Response, g, render_template, request

from lrs.plugin.host import AdminPage, Host
from plugins.audit.compliance import RequirementError, assignments_report
from plugins.audit.export import FORMATS
from plugins.audit.filters import FilterError
from plugins.audit.http import export_response, parse_export, run_report
from plugins.audit.keys import KEY_MISSING, AuditKeyError
from plugins.audit.trail import trail_for

#: Who may open the page: compliance officers, and admins who can do everything.
ROLES = ("compliance_officer", "admin")
#: The UI works on the default tenant (tenant selection comes with tenants in the UI).
TENANT_ID = 1
REQUIREMENTS_EXAMPLE = ('[{"activity": "https://example.com/courses/aml", '
                        '"due": "2025-06-30", "people": "all"}]')


def admin_pages() -> list[AdminPage]:
    return [AdminPage("Audit trail", endpoint="audit_ui.index", roles=ROLES)]


def create_ui_blueprint(host: Host) -> Blueprint:
    blueprint = Blueprint("audit_ui", __name__, url_prefix="/ui/audit",
                          template_folder="templates")
    blueprint.register_error_handler(AuditKeyError, lambda exc: Response(
        KEY_MISSING.format(reason=exc) + ".", status=503, mimetype="text/plain"))
    trail = trail_for(host)

    def page(status: int = 200, error: str | None = None) -> tuple[str, int]:
        verification = trail.verify(tenant_id=TENANT_ID).as_dict()
        return render_template("audit/trail.html", verification=verification,
                               formats=FORMATS, error=error, example=REQUIREMENTS_EXAMPLE,
                               form=request.values), status

    @blueprint.get("/")
    @host.requires_role(*ROLES)
    def index() -> Any:
        return page()

    @blueprint.get("/export")
    @host.requires_role(*ROLES)
    def export() -> Any:
        try:
            fmt, filters = parse_export(TENANT_ID, request.args)
        except FilterError as exc:
            return page(400, f"Export: {exc}")
        return export_response(trail, fmt, filters, g.web_user.actor)

    @blueprint.get("/compliance")
    @host.requires_role(*ROLES)
    def compliance() -> Any:
        as_of = request.args.get("as_of") or None
        try:
            today = date.fromisoformat(as_of) if as_of else None
        except ValueError:
            return page(400, f"Compliance: as of {as_of!r} is not a date (YYYY-MM-DD)")
        report = assignments_report(host, TENANT_ID, today=today, soon_days=trail.soon_days)
        return render_template("audit/compliance.html", report=report)

    @blueprint.post("/report")
    @host.requires_role(*ROLES)
    def report() -> Any:
        try:
            required = json.loads(request.form.get("required") or "null")
            result = run_report(trail, TENANT_ID, required, request.form.get("as_of") or None)
        except (RequirementError, ValueError) as exc:
            return page(400, f"Compliance report: {exc}")
        response = Response(json.dumps(result, indent=2), content_type="application/json")
        response.headers["Content-Disposition"] = 'attachment; filename="compliance-report.json"'
        return response

    return blueprint
