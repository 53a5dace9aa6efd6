"""Home (what each role can do) and the analysts' read-only dashboard."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, current_app, g, render_template, request, url_for

from lrs.auth.roles import ADMIN, ANALYST, ROLES
from lrs.plugin.host import Host
from lrs.plugin.metrics import Metric, MetricError, parse_moment
from lrs.runtime import current_runtime
from lrs.store.tenants import tenant_names
from lrs.web.access import requires_role
from lrs.xapi.errors import XapiError

log = logging.getLogger(__name__)

#: The dashboard's period when none is asked for: the last 30 days.
DEFAULT_DAYS = 30
#: Bars drawn per series; the rest are counted, not drawn.
MAX_BARS = 20


def add_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/", "home", home, methods=["GET"])
    bp.add_url_rule("/dashboard", "dashboard", dashboard, methods=["GET"])


@requires_role(*ROLES)
def home() -> Any:
    """What the signed-in person can do, role by role."""
    roles = [(role, ROLES[role]) for role in ROLES if role in g.web_user.roles]
    return render_template("web/home.html", roles=roles)


@requires_role(ANALYST, ADMIN)
def dashboard() -> Any:
    """KPI dashboards, read-only: every metric plugins offer, computed for one store and period.

    A value is shown as a figure, a series as a bar chart (SVG: no script, and
    no inline style, so the strict CSP holds). The period (``since``/``until``,
    ISO dates) defaults to the last 30 days and the store (``store``) to the
    default one. A metric that fails is reported on its card; the others are
    still drawn, as one failing plugin must not blank the page.
    """
    runtime = current_runtime()
    analyst_pages = [(page.title, page.url or url_for(page.endpoint))
                     for page in current_app.extensions["lrs.web.pages"]
                     if ANALYST in page.roles and page.endpoint not in {"web.home",
                                                                        "web.dashboard"}]
    default_since = (datetime.now(UTC) - timedelta(days=DEFAULT_DAYS)).date().isoformat()
    period = {"since": request.args.get("since") or default_since,
              "until": request.args.get("until", ""), "store": request.args.get("store", "")}
    figures: list[dict[str, Any]] = []
    error: str | None = None
    with runtime.db.read() as session:
        stores = [name for _, name in sorted(tenant_names(session).items())]
    try:
        tenant_id = runtime.tenant_id(period["store"] or None)
        since = parse_moment(period["since"], "since")
        until = parse_moment(period["until"], "until") if period["until"] else None
    except XapiError as exc:
        error = exc.message
    except MetricError as exc:
        error = str(exc)
    else:
        figures = [_figure(metric, runtime.host, tenant_id, since, until)
                   for metric in runtime.metrics]
    return render_template("web/dashboard.html", analyst_pages=analyst_pages, figures=figures,
                           period=period, stores=stores, error=error), \
        400 if error else 200


def _figure(metric: Metric, host: Host, tenant_id: int, since: datetime,
            until: datetime | None) -> dict[str, Any]:
    """One dashboard card: the metric's description and its figures, or what went wrong."""
    card: dict[str, Any] = {"metric": metric}
    try:
        card["result"] = metric.evaluate(host, tenant_id=tenant_id, since=since, until=until)
    except MetricError as exc:
        card["error"] = str(exc)
    except Exception:  # a plugin's bug: reported on its card, logged with its name
        log.exception("metric %s of plugin %s failed", metric.name, metric.origin)
        card["error"] = f"could not be computed (plugin {metric.origin}; see the server log)"
    if "result" in card and metric.kind == "series":
        series = card["result"]["series"]
        card["bars"] = series[:MAX_BARS]
        card["top"] = max((p["value"] or 0 for p in card["bars"]), default=0) or 1
        card["hidden"] = len(series) - len(card["bars"])
    return card
