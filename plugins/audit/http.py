"""``/audit/verify``, ``/audit/export`` and ``/audit/report``.

Verifying and reporting need the plugin's ``audit/read`` scope, exporting its
``audit/export`` scope (declared by ``register_scopes``; ``all`` grants neither).
"""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from lrs.host import Host
from plugins.audit.compliance import RequirementError, compliance_report, parse_requirements
from plugins.audit.export import FORMATS, write_export
from plugins.audit.filters import FilterError, filters_from
from plugins.audit.trail import trail_for

CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson",
                 "pdf": "application/pdf"}


def _bad_request(message: str) -> Response:
    response = jsonify({"error": "bad_request", "message": message,
                        "errors": [{"path": "$", "message": message}]})
    response.status_code = 400
    return response


def _actor() -> str:
    principal = g.principal
    key = getattr(principal, "key", None)
    return f"credential:{key}" if key else f"credential-id:{principal.credential_id}"


def create_blueprint(host: Host) -> Blueprint:
    blueprint = Blueprint("audit", __name__, url_prefix="/audit")
    trail = trail_for(host)

    @blueprint.get("/verify")
    @host.requires("audit/read")
    def verify() -> Any:
        result = trail.verify(tenant_id=g.principal.tenant_id)
        return jsonify(result.as_dict()), 200 if result.ok else 409

    @blueprint.get("/export")
    @host.requires("audit/export")
    def export() -> Any:
        fmt = request.args.get("format", "jsonl")
        if fmt not in FORMATS:
            return _bad_request(f"format must be one of {', '.join(FORMATS)}")
        try:
            filters = filters_from(g.principal.tenant_id, request.args.get("person"),
                                   request.args.get("activity"), request.args.get("since"),
                                   request.args.get("until"))
        except FilterError as exc:
            return _bad_request(str(exc))
        out = io.BytesIO()
        result = write_export(trail, filters, fmt, out, actor=_actor(),
                              file_name=f"audit.{fmt}")
        response = Response(out.getvalue(), content_type=CONTENT_TYPES[fmt])
        response.headers["Content-Disposition"] = f'attachment; filename="audit.{fmt}"'
        response.headers["Audit-Export-SHA256"] = result.sha256
        if result.manifest is not None:
            response.headers["Audit-Manifest"] = json.dumps(result.manifest, separators=(",", ":"))
        return response

    @blueprint.route("/report", methods=["GET", "POST"])
    @host.requires("audit/read")
    def report() -> Any:
        try:
            data = (request.get_json(silent=True) if request.method == "POST"
                    else json.loads(request.args.get("required", "null")))
            requirements = parse_requirements(data)
            today = date.fromisoformat(request.args["as_of"]) if "as_of" in request.args else None
        except (RequirementError, ValueError) as exc:
            return _bad_request(f"required: {exc}")
        return jsonify(compliance_report(host, g.principal.tenant_id, requirements,
                                         today=today, soon_days=trail.soon_days))

    return blueprint
