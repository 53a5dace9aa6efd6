"""``/api/kpis``: KPI definitions, their values and history, status changes, comparisons.

Reading needs the plugin's ``kpi/read`` scope, defining KPIs and evaluating them
``kpi/write``. Every refusal is a JSON ``{"error", "message", "errors": [{"path",
"message"}]}`` with a 4xx status.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, g, jsonify, request

from lrs.plugin.host import Host
from lrs.plugin.request import api_actor, json_body, parse_whole_number, request_source
from plugins.kpi import definitions, service
from plugins.kpi.compare import compare
from plugins.kpi.dashboard import dashboard, parse_filters
from plugins.kpi.errors import KpiError
from plugins.kpi.evaluation import evaluate, evaluate_all
from plugins.kpi.periods import day_of

READ, WRITE = "kpi/read", "kpi/write"
#: The most periods one evaluation request may ask for.
MAX_PERIODS = 104


def whole_number(name: str, default: int, low: int, high: int) -> int:
    text = request.args.get(name)
    if text is None:
        return default
    number = parse_whole_number(text, low=low, high=high)
    if number is None:
        raise KpiError(
            f"{name} must be a whole number from {low} to {high}",
            [{"path": f"query.{name}", "message": f"{text[:40]!r} is out of range"}],
        )
    return number


def day(name: str) -> date | None:
    text = request.args.get(name)
    if text is None:
        return None
    try:
        return day_of(text)
    except ValueError as exc:
        raise KpiError(
            f"{name} must be a date (YYYY-MM-DD)",
            [{"path": f"query.{name}", "message": str(exc)}],
        ) from None


def create_blueprint(host: Host) -> Blueprint:
    blueprint = Blueprint("kpi", __name__, url_prefix="/api/kpis")

    def tenant() -> int:
        return g.principal.tenant_id

    @blueprint.get("")
    @host.requires(READ)
    def list_kpis() -> Any:
        return jsonify({"kpis": service.overview(host, tenant())})

    @blueprint.post("")
    @host.requires(WRITE)
    def create_kpi() -> Any:
        spec = json_body("a KPI definition")
        definitions.save(
            host,
            tenant(),
            [("$", spec)],
            actor=api_actor(),
            source=request_source(),
            create_only=True,
        )
        return jsonify(service.detail(host, tenant(), spec["key"])), 201

    @blueprint.get("/alerts")
    @host.requires(READ)
    def alerts() -> Any:
        limit = whole_number("limit", 100, 1, 1000)
        return jsonify({"alerts": service.recent_alerts(host, tenant(), limit)})

    @blueprint.get("/compare")
    @host.requires(READ)
    def compare_populations() -> Any:
        return jsonify(compare(host, tenant(), request.args.to_dict()))

    @blueprint.get("/dashboard")
    @host.requires(READ)
    def dashboard_data() -> Any:
        return jsonify(dashboard(host, tenant(), parse_filters(request.args)))

    @blueprint.post("/evaluate")
    @host.requires(WRITE)
    def evaluate_kpis() -> Any:
        results = evaluate_all(
            host, tenant(), as_of=day("as_of"), periods=whole_number("periods", 2, 1, MAX_PERIODS)
        )
        return jsonify({"results": results})

    @blueprint.get("/<key>")
    @host.requires(READ)
    def show_kpi(key: str) -> Any:
        return jsonify(service.detail(host, tenant(), key))

    @blueprint.put("/<key>")
    @host.requires(WRITE)
    def put_kpi(key: str) -> Any:
        outcome = definitions.save(
            host,
            tenant(),
            [("$", json_body())],
            actor=api_actor(),
            source=request_source(),
            key=key,
        )
        return jsonify(service.detail(host, tenant(), key)), 201 if outcome["created"] else 200

    @blueprint.delete("/<key>")
    @host.requires(WRITE)
    def delete_kpi(key: str) -> Any:
        definitions.remove(host, tenant(), key, actor=api_actor(), source=request_source())
        return "", 204

    @blueprint.get("/<key>/history")
    @host.requires(READ)
    def kpi_history(key: str) -> Any:
        limit = whole_number("limit", 520, 1, 5200)
        return jsonify({"kpi": key, "history": service.kpi_history(host, tenant(), key, limit)})

    @blueprint.post("/<key>/evaluate")
    @host.requires(WRITE)
    def evaluate_kpi(key: str) -> Any:
        definition_id, spec = definitions.definition(host, tenant(), key)
        results = evaluate(
            host,
            tenant(),
            definition_id,
            spec,
            as_of=day("as_of"),
            periods=whole_number("periods", 2, 1, MAX_PERIODS),
        )
        return jsonify({"results": results})

    return blueprint
