"""``/api/metrics``: the KPI metrics plugins offer, listed and computed.

Outside ``/xapi``: this is Weft's own API (no xAPI version header), for
dashboards and reporting jobs. Every view needs the ``metrics/read`` scope,
which ``all`` does not imply, and covers the caller's tenant only.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, request

from lrs.auth.protector import protect
from lrs.plugin.metrics import MetricError, parse_moment
from lrs.runtime import current_runtime
from lrs.xapi.errors import BadRequest, NotFound

#: Query parameters that are not filters.
_PERIOD = ("since", "until")


def create_metrics_blueprint() -> Blueprint:
    bp = Blueprint("metrics", __name__, url_prefix="/api/metrics")
    bp.add_url_rule("", "list", protect("metrics/read")(_list), methods=["GET"])
    bp.add_url_rule("/<name>", "show", protect("metrics/read")(_show), methods=["GET"])
    return bp



def _list() -> Any:
    return jsonify({"metrics": [m.describe() for m in current_runtime().metrics]})


def _show(name: str) -> Any:
    runtime = current_runtime()
    metric = runtime.metrics.get(name)
    if metric is None:
        raise NotFound(f"no metric {name!r}; GET /api/metrics lists them")
    try:
        since, until = (parse_moment(request.args[p], p) if p in request.args else None
                        for p in _PERIOD)
        filters = {key: value for key, value in request.args.items() if key not in _PERIOD}
        result = metric.evaluate(runtime.host, tenant_id=g.principal.tenant_id, since=since,
                                 until=until, filters=filters)
    except MetricError as exc:
        raise BadRequest(str(exc)) from None
    return jsonify(result)
