"""``/api/kpis/warnings...``: flags, actions on them, rules, evaluation and backtest.

Reading flags, acting on them and backtesting need the ``kpi/risk`` scope;
changing rules and evaluating on demand ``kpi/write``; reading rules either of
them or ``kpi/read``. Every refusal is a JSON
``{"error", "message", "errors": [{"path", "message"}]}`` with a 4xx status.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, g, jsonify, request

from lrs.plugin.host import Host
from lrs.plugin.request import api_actor, json_body, request_source
from plugins.kpi.warning_backtest import backtest, parse_window
from plugins.kpi.warning_errors import WarningError
from plugins.kpi.warning_flags import (
    act,
    evaluate,
    flag_number,
    list_flags,
    parse_action,
    show_flag,
)
from plugins.kpi.warning_rules import change_rule, rule_configs

READ, WRITE, RISK = "kpi/read", "kpi/write", "kpi/risk"


def _as_of(value: Any, path: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise WarningError(
            "as_of must be a date YYYY-MM-DD", [{"path": path, "message": "not a date YYYY-MM-DD"}]
        ) from None


def create_blueprint(host: Host) -> Blueprint:
    blueprint = Blueprint("kpi_warnings", __name__, url_prefix="/api/kpis/warnings")

    def tenant() -> int:
        return g.principal.tenant_id

    @blueprint.get("")
    @host.requires(RISK)
    def list_warnings() -> Any:
        args = request.args
        return jsonify(
            {
                "warnings": list_flags(
                    host,
                    tenant(),
                    manager=args.get("manager") or None,
                    group=args.get("group") or None,
                    rule=args.get("rule") or None,
                    status=args.get("status") or "active",
                )
            }
        )

    @blueprint.get("/<flag_id>")
    @host.requires(RISK)
    def show_warning(flag_id: str) -> Any:
        return jsonify(show_flag(host, tenant(), flag_number(flag_id)))

    @blueprint.post("/<flag_id>/actions")
    @host.requires(RISK)
    def act_on_warning(flag_id: str) -> Any:
        number = flag_number(flag_id)
        action, note = parse_action(json_body())
        return jsonify(
            act(host, tenant(), number, action, note, actor=api_actor(), source=request_source())
        )

    @blueprint.get("/rules")
    @host.requires(READ, WRITE, RISK)
    def list_rules() -> Any:
        with host.read() as session:
            return jsonify({"rules": [c.as_dict() for c in rule_configs(session, tenant())]})

    @blueprint.put("/rules/<name>")
    @host.requires(WRITE)
    def put_rule(name: str) -> Any:
        body = json_body()
        with host.write() as session:
            config = change_rule(session, tenant(), name, body, actor=api_actor())
            host.record_admin_action(
                session,
                tenant(),
                actor=api_actor(),
                action="kpi.warning_rule.changed",
                target=f"kpi-warning-rule:{name}",
                details={"enabled": config.enabled, "params": config.params},
                source=request_source(),
            )
        return jsonify(config.as_dict())

    @blueprint.post("/evaluate")
    @host.requires(WRITE)
    def evaluate_now() -> Any:
        body = json_body(empty={})
        if not isinstance(body, dict):
            raise WarningError(
                "the body must be a JSON object",
                [{"path": "$", "message": 'expected {"as_of": "YYYY-MM-DD"}'}],
            )
        return jsonify(evaluate(host, tenant(), _as_of(body.get("as_of"), "$.as_of")))

    @blueprint.get("/backtest")
    @host.requires(RISK)
    def run_backtest() -> Any:
        args = request.args
        if not args.get("group"):
            raise WarningError("group is required", [{"path": "query.group", "message": "missing"}])
        since, until, every = parse_window(
            args.get("since"), args.get("until"), args.get("every_days", "7")
        )
        return jsonify(backtest(host, tenant(), args["group"], since, until, every))

    return blueprint
