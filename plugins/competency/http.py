"""``/api/competency``: frameworks (list, show, import a CFPackage), evidence rules
(list, show, create, replace, delete) and time-to-competency.

Reading needs the plugin's ``competency/read`` scope, importing
``competency/write`` (``all`` grants neither). Every refusal is a JSON
``{"error", "message", "errors": [{"path", "message"}]}`` with a 4xx status.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, request

from lrs.plugin.host import Host
from lrs.plugin.request import api_actor, json_body, request_source
from plugins.competency.credentials_http import add_credential_routes
from plugins.competency.errors import CompetencyError
from plugins.competency.frameworks import framework_detail, import_package, list_frameworks
from plugins.competency.package import read_package
from plugins.competency.rules import delete_rule, get_rule, list_rules, rule_number, save_rule
from plugins.competency.time_to_competency import parse_query, time_to_competency
from plugins.competency.views_http import add_view_routes

READ, WRITE = "competency/read", "competency/write"


def create_blueprint(host: Host) -> Blueprint:
    blueprint = Blueprint("competency", __name__, url_prefix="/api/competency")

    @blueprint.get("/frameworks")
    @host.requires(READ)
    def list_() -> Any:
        return jsonify({"frameworks": list_frameworks(host, g.principal.tenant_id)})

    @blueprint.get("/frameworks/<identifier>")
    @host.requires(READ)
    def show(identifier: str) -> Any:
        return jsonify(framework_detail(host, g.principal.tenant_id, identifier))

    @blueprint.get("/time-to-competency")
    @host.requires(READ)
    def time_to_competency_() -> Any:
        query = parse_query(request.args.to_dict())
        return jsonify(time_to_competency(host, g.principal.tenant_id, query).as_dict())

    @blueprint.post("/frameworks")
    @host.requires(WRITE)
    def import_() -> Any:
        data = json_body("a CASE CFPackage")
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
            actor=api_actor(),
            dry_run=dry_run in ("true", "1"),
            source=request_source(),
        )
        return jsonify(summary.as_dict()), 201 if summary.created and not summary.dry_run else 200

    @blueprint.get("/rules")
    @host.requires(READ)
    def list_rules_() -> Any:
        return jsonify({"rules": list_rules(host, g.principal.tenant_id)})

    @blueprint.get("/rules/<rule_id>")
    @host.requires(READ)
    def show_rule(rule_id: str) -> Any:
        return jsonify(get_rule(host, g.principal.tenant_id, rule_number(rule_id)))

    @blueprint.post("/rules")
    @host.requires(WRITE)
    def create_rule() -> Any:
        rule = save_rule(
            host,
            g.principal.tenant_id,
            json_body("an evidence rule"),
            actor=api_actor(),
            source=request_source(),
        )
        return jsonify(rule), 201

    @blueprint.put("/rules/<rule_id>")
    @host.requires(WRITE)
    def replace_rule(rule_id: str) -> Any:
        return jsonify(
            save_rule(
                host,
                g.principal.tenant_id,
                json_body("an evidence rule"),
                actor=api_actor(),
                rule_id=rule_number(rule_id),
                source=request_source(),
            )
        )

    @blueprint.delete("/rules/<rule_id>")
    @host.requires(WRITE)
    def delete_rule_(rule_id: str) -> Any:
        delete_rule(
            host,
            g.principal.tenant_id,
            rule_number(rule_id),
            actor=api_actor(),
            source=request_source(),
        )
        return "", 204

    add_view_routes(blueprint, host)
    add_credential_routes(blueprint, host)
    return blueprint
