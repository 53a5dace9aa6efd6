"""The web UI's KPI dashboard, for analysts and admins: tiles, trend charts, a cohort
comparison and the at-risk list, filtered by group, program and period through the
query string (a filtered dashboard is a URL), with a CSV of every table and a PDF
report.

Charts are inline SVG drawn on the server (:mod:`plugins.kpi.dashboard_charts`) and
coloured by this plugin's stylesheet: the page loads nothing from elsewhere and
runs no script (the UI's CSP). KPI titles, group and people names were typed by
someone, so they are only ever rendered as text (Jinja's autoescape; the SVG
escapes its own). Who sees whom is decided by :func:`viewer`, the one place.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, make_response, render_template, request

from lrs.plugin.exports import csv_text
from lrs.plugin.host import AdminPage, Host, PeopleInView
from plugins.kpi import dashboard_tables
from plugins.kpi.dashboard import (
    COMPARE_PARAMS,
    Filters,
    dashboard,
    parse_filters,
)
from plugins.kpi.dashboard_charts import (
    STATUS_SYMBOLS,
    STATUS_WORDS,
    comparison_chart,
    number,
    trend_chart,
)
from plugins.kpi.dashboard_pdf import dashboard_pdf
from plugins.kpi.errors import KpiError
from plugins.kpi.measures import MEASURES
from plugins.kpi.periods import CADENCES

ROLES = ("analyst", "admin", "manager")
#: The UI works on the default store, as the other plugins' pages do.
TENANT_ID = 1


def admin_pages() -> list[AdminPage]:
    return [AdminPage("KPI dashboard", endpoint="kpi_dashboard_ui.index", roles=ROLES)]


def viewer(host: Host) -> PeopleInView:
    """Whose people the signed-in person may see: analysts and admins everyone, a
    manager their reports (the one place the dashboard asks)."""
    return host.people_in_view(TENANT_ID)


def _filters() -> Filters:
    return parse_filters(request.args)


def _csv(name: str, table: dashboard_tables.Table) -> Response:
    header, rows = table
    return Response(
        csv_text(header, rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="kpi-{name}.csv"'},
    )


def create_ui_blueprint(host: Host) -> Blueprint:
    blueprint = Blueprint(
        "kpi_dashboard_ui", __name__, url_prefix="/ui/kpi/dashboard", template_folder="templates"
    )

    def page(filters: Filters | None, error: KpiError | None = None) -> Any:
        data = None
        if error is None and filters is not None:
            try:
                data = dashboard(host, TENANT_ID, filters, viewer(host))
            except KpiError as exc:
                error = exc
        return render_template(
            "kpi/dashboard.html",
            data=data,
            args={k: request.args.get(k, "") for k in request.args},
            error=error,
            cadences=CADENCES,
            measures=MEASURES,
            compare_params=COMPARE_PARAMS,
            programs=sorted(
                {a.program or a.activities[0] for a in host.assignments(TENANT_ID)} - {None}
            ),
            words=STATUS_WORDS,
            symbols=STATUS_SYMBOLS,
            number=number,
            trend_chart=trend_chart,
            comparison_chart=comparison_chart,
        ), (error.status if error else 200)

    def data_or_page() -> dict[str, Any]:
        try:
            return dashboard(host, TENANT_ID, _filters(), viewer(host))
        except KpiError as exc:
            abort(make_response(*page(None, exc)))

    @blueprint.get("/")
    @host.requires_role(*ROLES)
    def index() -> Any:
        try:
            filters = _filters()
        except KpiError as exc:
            return page(None, exc)
        return page(filters)

    @blueprint.get("/style.css")
    @host.requires_role(*ROLES)
    def stylesheet() -> Any:
        return Response(render_template("kpi/dashboard.css"), mimetype="text/css")

    @blueprint.get("/<table>.csv")
    @host.requires_role(*ROLES)
    def table_csv(table: str) -> Any:
        if table not in dashboard_tables.TABLES:
            abort(404)
        return _csv(table, dashboard_tables.TABLES[table](data_or_page()))

    @blueprint.get("/trend/<key>.csv")
    @host.requires_role(*ROLES)
    def trend_csv(key: str) -> Any:
        tile = next((t for t in data_or_page()["tiles"] if t["key"] == key), None)
        if tile is None:
            abort(404)
        return _csv(f"trend-{key}", dashboard_tables.trend(tile))

    @blueprint.get("/report.pdf")
    @host.requires_role(*ROLES)
    def report_pdf() -> Any:
        return Response(
            dashboard_pdf(data_or_page()),
            mimetype="application/pdf",
            headers={"Content-Disposition": 'attachment; filename="kpi-dashboard.pdf"'},
        )

    return blueprint
