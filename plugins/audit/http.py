"""``/audit/verify``, ``/audit/export`` and ``/audit/report`` for machine clients.

``/audit/report`` reports on the store's assignments, or on the requirements given
(``required`` parameter, or a POSTed JSON array).

Verifying and reporting need the plugin's ``audit/read`` scope, exporting its
``audit/export`` scope (declared by ``register_scopes``; ``all`` grants neither). People use the
same exports and reports from the web UI (:mod:`plugins.audit.ui`); both go
through :func:`parse_export`, :func:`export_response` and :func:`run_report`.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from lrs.plugin.host import Host
from lrs.plugin.request import api_actor, json_body
from plugins.audit.compliance import (
    RequirementError,
    assignments_report,
    compliance_report,
    parse_requirements,
)
from plugins.audit.export import FORMATS, write_export
from plugins.audit.filters import FilterError, filters_from
from plugins.audit.keys import KEY_MISSING, AuditKeyError
from plugins.audit.trail import AuditTrail, Filters, trail_for

CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson",
                 "pdf": "application/pdf"}


def parse_export(tenant_id: int, args: Mapping[str, str]) -> tuple[str, Filters]:
    """The format and filters of an export request (``format``, ``person``, ``activity``,
    ``since``, ``until``).

    :raises FilterError: naming the parameter that is wrong.
    """
    fmt = args.get("format", "jsonl")
    if fmt not in FORMATS:
        raise FilterError(f"format must be one of {', '.join(FORMATS)}")
    return fmt, filters_from(tenant_id, args.get("person") or None,
                             args.get("activity") or None, args.get("since") or None,
                             args.get("until") or None)


def export_response(trail: AuditTrail, fmt: str, filters: Filters, actor: str) -> Response:
    """The export as a download, its SHA-256 (and JSON Lines manifest) in headers."""
    out = io.BytesIO()
    result = write_export(trail, filters, fmt, out, actor=actor, file_name=f"audit.{fmt}")
    response = Response(out.getvalue(), content_type=CONTENT_TYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="audit.{fmt}"'
    response.headers["Audit-Export-SHA256"] = result.sha256
    if result.manifest is not None:
        response.headers["Audit-Manifest"] = json.dumps(result.manifest, separators=(",", ":"))
    return response


def run_report(trail: AuditTrail, tenant_id: int, required: Any,
               as_of: str | None) -> dict[str, Any]:
    """The compliance report as of a ``YYYY-MM-DD`` date: of the store's assignments when
    ``required`` is ``None``, else of these requirements (parsed JSON).

    :raises RequirementError: the requirements are malformed.
    :raises ValueError: ``as_of`` is not a date.
    """
    today = date.fromisoformat(as_of) if as_of else None
    if required is None:
        return assignments_report(trail.host, tenant_id, today=today,
                                  soon_days=trail.soon_days)
    return compliance_report(trail.host, tenant_id, parse_requirements(required),
                             today=today, soon_days=trail.soon_days)


def _key_missing(exc: AuditKeyError) -> Response:
    """A server may run without the key (it delivers no events); what needs it says so."""
    response = jsonify({"error": "audit_key_missing",
                        "message": KEY_MISSING.format(reason=exc)})
    response.status_code = 503
    return response


def _bad_request(message: str) -> Response:
    response = jsonify({"error": "bad_request", "message": message,
                        "errors": [{"path": "$", "message": message}]})
    response.status_code = 400
    return response


def create_blueprint(host: Host) -> Blueprint:
    blueprint = Blueprint("audit", __name__, url_prefix="/audit")
    blueprint.register_error_handler(AuditKeyError, _key_missing)
    trail = trail_for(host)

    @blueprint.get("/verify")
    @host.requires("audit/read")
    def verify() -> Any:
        result = trail.verify(tenant_id=g.principal.tenant_id)
        return jsonify(result.as_dict()), 200 if result.ok else 409

    @blueprint.get("/export")
    @host.requires("audit/export")
    def export() -> Any:
        try:
            fmt, filters = parse_export(g.principal.tenant_id, request.args)
        except FilterError as exc:
            return _bad_request(str(exc))
        return export_response(trail, fmt, filters, api_actor())

    @blueprint.route("/report", methods=["GET", "POST"])
    @host.requires("audit/read")
    def report() -> Any:
        try:
            data = (json_body(empty=None) if request.method == "POST"
                    else json.loads(request.args.get("required") or "null"))
            result = run_report(trail, g.principal.tenant_id, data, request.args.get("as_of"))
        except (RequirementError, ValueError) as exc:
            return _bad_request(f"required: {exc}")
        return jsonify(result)

    return blueprint
