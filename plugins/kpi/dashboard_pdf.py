"""The dashboard as a PDF report (fpdf2): the filters, the tiles, each KPI's trend, the
comparison and the at-risk list, each as the table of numbers the CSV exports hold
(:mod:`plugins.kpi.dashboard_tables`), statuses in words.

Text is written with :class:`lrs.plugin.exports.PdfWriter`: DejaVu Sans embedded
when installed (any script), else Latin-1 with ``?`` for the rest.
"""

from __future__ import annotations

from typing import Any

from lrs.plugin.exports import PdfWriter, find_font
from plugins.kpi import dashboard_tables
from plugins.kpi.dashboard_charts import number

#: Columns printed from each table (the CSV has them all), with their widths in mm.
_COLUMNS: dict[str, tuple[tuple[str, float], ...]] = {
    "tiles": (
        ("title", 70),
        ("period", 30),
        ("value", 20),
        ("op", 10),
        ("target", 20),
        ("status", 24),
        ("trend", 18),
        ("people", 18),
        ("owner", 60),
    ),
    "trend": (
        ("period", 40),
        ("value", 25),
        ("op", 12),
        ("target", 25),
        ("status", 30),
        ("trend", 25),
        ("people", 25),
    ),
    "comparison": (
        ("group", 60),
        ("value", 22),
        ("people", 18),
        ("units", 18),
        ("difference", 24),
        ("ci_lower", 22),
        ("ci_upper", 22),
        ("p_value", 22),
        ("test", 45),
    ),
    "at-risk": (
        ("employee_id", 28),
        ("name", 45),
        ("manager", 25),
        ("rule", 40),
        ("status", 25),
        ("reason", 110),
    ),
}


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return number(value)
    return "" if value is None else str(value)


def _table(out: PdfWriter, kind: str, table: dashboard_tables.Table) -> None:
    header, rows = table
    columns = _COLUMNS[kind]
    index = [header.index(name) for name, _ in columns]
    out.font(8, "B")
    for name, width in columns:
        out.pdf.cell(width, 6, name.replace("_", " "), border=1)
    out.pdf.ln()
    out.font(8)
    for row in rows:
        for (_, width), i in zip(columns, index, strict=True):
            text = out.text(_cell(row[i]))
            while text and out.pdf.get_string_width(text) > width - 2:
                text = text[:-2]
            out.pdf.cell(width, 5, text, border=1)
        out.pdf.ln()
    if not rows:
        out.line("(none)", 8)


def dashboard_pdf(data: dict[str, Any]) -> bytes:
    """The report of :func:`plugins.kpi.dashboard.dashboard`'s ``data`` as PDF bytes."""
    out = PdfWriter(find_font())
    out.pdf.add_page()
    out.line("KPI dashboard", 16, "B", 10)
    described = ", ".join(f"{k}={v}" for k, v in data["filters"].items()) or "none"
    out.line(f"As of {data['as_of']}; filters: {described}", 10)
    if data["people_in_scope"] is not None:
        out.line(f"People in scope: {data['people_in_scope']}", 10)
    out.pdf.ln(2)
    out.line("KPIs", 12, "B", 8)
    _table(out, "tiles", dashboard_tables.tiles(data))
    for tile in data["tiles"]:
        out.pdf.ln(3)
        out.line(f"Trend: {tile['title']} ({tile['unit']})", 11, "B", 7)
        _table(out, "trend", dashboard_tables.trend(tile))
    if data["comparison"] is not None:
        found = data["comparison"]
        out.pdf.ln(3)
        out.line(f"Comparison: {found['a']['group']} - {found['b']['group']}", 11, "B", 7)
        _table(out, "comparison", dashboard_tables.comparison(data))
        out.line((found.get("verdict") or {}).get("text", ""), 9)
    out.pdf.ln(3)
    risk = data["at_risk"]
    out.line(f"At risk: {len(risk['flags'])} of {risk['total']} active flags", 12, "B", 8)
    _table(out, "at-risk", dashboard_tables.at_risk(data))
    return bytes(out.pdf.output())
