"""``/api/competency/frameworks``: list, show, import a CFPackage.

Reading needs the plugin's ``competency/read`` scope, importing
``competency/write`` (``all`` grants neither). Every refusal is a JSON
``{"error", "message", "errors": [{"path", "message"}]}`` with a 4xx status.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from lrs.plugin.host import Host
from plugins.competency.credentials_http import add_credential_routes
from plugins.competency.errors import CompetencyError
from plugins.competency.frameworks import framework_detail, import_package, list_frameworks
from plugins.competency.package import read_package
from plugins.competency.views_http import add_view_routes

READ, WRITE = "competency/read", "competency/write"


def error_response(exc: CompetencyError) -> Response:
    body: dict[str, Any] = {"error": exc.code, "message": exc.message}
    body["errors"] = exc.errors or [{"path": "$", "message": exc.message}]
    response = jsonify(body)
    response.status_code = exc.status
    return response


def _actor() -> str:
    principal = g.principal
    key = getattr(principal, "key", None)
    return f"credential:{key}" if key else f"credential-id:{principal.credential_id}"


def create_blueprint(host: Host) -> Blueprint:
    blueprint = Blueprint("competency", __name__, url_prefix="/api/competency")
    blueprint.register_error_handler(CompetencyError, error_response)

    @blueprint.get("/frameworks")
    @host.requires(READ)
    def list_() -> Any:
        return jsonify({"frameworks": list_frameworks(host, g.principal.tenant_id)})

    @blueprint.get("/frameworks/<identifier>")
    @host.requires(READ)
    def show(identifier: str) -> Any:
        return jsonify(framework_detail(host, g.principal.tenant_id, identifier))

    @blueprint.post("/frameworks")
    @host.requires(WRITE)
    def import_() -> Any:
        data = request.get_json(silent=True)
        if data is None:
            raise CompetencyError(
                "the body must be a CASE CFPackage (JSON)", [{"path": "$", "message": "not JSON"}]
            )
        dry_run = request.args.get("dry_run", "false").lower()
        if dry_run not in ("true", "false", "1", "0"):
            raise CompetencyError(
                "dry_run must be true or false",
                [{"path": "query.dry_run", "message": f"{dry_run!r} is not true or false"}],
            )
        summary = import_package(
            host,
            g.principal.tenant_id,
            read_package(data),
            actor=_actor(),
            dry_run=dry_run in ("true", "1"),
            source={
                "ip": request.remote_addr or "",
                "request_id": request.headers.get("X-Request-Id", ""),
                "user_agent": request.user_agent.string,
            },
        )
        return jsonify(summary.as_dict()), 201 if summary.created and not summary.dry_run else 200

    add_view_routes(blueprint, host)
    add_credential_routes(blueprint, host)
    return blueprint
