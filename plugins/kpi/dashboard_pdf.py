"""The dashboard as a PDF report (fpdf2): the filters, the tiles, each KPI's trend chart,
the comparison chart, and the tables of numbers the CSV exports hold
(:mod:`plugins.kpi.dashboard_tables`), statuses in words.

The charts are the web page's own SVG (:mod:`plugins.kpi.dashboard_charts`), drawn
as vectors by fpdf2's SVG reader: one drawing of each chart, so the page and the
report cannot disagree. Text is written with :class:`lrs.plugin.exports.PdfWriter`:
DejaVu Sans embedded when installed (any script), else Latin-1 with ``?`` for the
rest; a chart is left out without the font, as its status symbols are not Latin-1
(its table is there either way).
"""

from __future__ import annotations

import io
import re
from typing import Any

from markupsafe import Markup

from lrs.plugin.exports import PdfWriter, find_font
from plugins.kpi import dashboard_tables
from plugins.kpi.dashboard_charts import comparison_chart, number, trend_chart

#: The chart colours of ``kpi/dashboard.css`` for fpdf2, which reads ``<style>`` rules
#: of one class each (not the page's compound selectors or CSS variables).
_CHART_STYLE = (
    "<style>"
    ".tick, .target-label { font-size: 11px; fill: #5b6475; }"
    ".value, .label, .verdict { font-size: 12px; fill: #1d2433; }"
    ".line, .point, .group-a { stroke: #2f5bd3; fill: #2f5bd3; }"
    ".line { fill: none; }"
    ".target { stroke: #b42318; }"
    ".status-on_track { fill: #1a7f37; stroke: #1a7f37; }"
    ".status-at_risk { fill: #9a6700; stroke: #9a6700; }"
    ".status-missed { fill: #b42318; stroke: #b42318; }"
    ".group-b { fill: #5b6475; }"
    ".difference { fill: #9db4ee; }"
    "</style>"
)
#: What a screen reader reads (``<title>``, ``<desc>``): fpdf2 draws neither and warns
#: of each; the report has the same words in its tables.
_SPOKEN = re.compile(r"<(title|desc)\b[^>]*>[^<]*</\1>")
_VIEW_BOX = re.compile(r'viewBox="0 0 ([\d.]+) ([\d.]+)"')
#: A chart's width on the page, in mm (A4 landscape has 273 mm between the margins).
_TREND_MM, _COMPARISON_MM = 150.0, 230.0
#: A section heading's height, and a table's header and first two rows, in mm.
_HEADING_MM, _TABLE_START_MM = 8.0, 16.0

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


def _room(out: PdfWriter, height_mm: float) -> None:
    """Start a new page unless ``height_mm`` fit below: a heading stays with what it heads."""
    if out.pdf.get_y() + height_mm > out.pdf.page_break_trigger:
        out.pdf.add_page()


def _section(out: PdfWriter, heading: str, svg: Markup, width_mm: float) -> bool:
    """``heading`` and the chart ``svg`` below it, on one page with the first rows of the
    table that follows; whether the chart was drawn (not without the Unicode font)."""
    width, height = (float(n) for n in _VIEW_BOX.search(svg).groups())  # type: ignore[union-attr]
    drawn = out.unicode
    _room(out, _HEADING_MM + (width_mm * height / width if drawn else 0) + _TABLE_START_MM)
    out.line(heading, 11, "B", 7)
    if drawn:
        text = _SPOKEN.sub("", str(svg))
        start = text.index(">") + 1  # after the <svg ...> tag: the style goes first inside
        opening, inside = text[:start], text[start:]
        drawing = f'<svg font-family="{out.family}"{opening[4:]}{_CHART_STYLE}{inside}'
        out.pdf.image(io.BytesIO(drawing.encode()), w=width_mm)
    return drawn


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
        _section(out, f"Trend: {tile['title']} ({tile['unit']})", trend_chart(tile, "t"), _TREND_MM)
        _table(out, "trend", dashboard_tables.trend(tile))
    if data["comparison"] is not None:
        found = data["comparison"]
        out.pdf.ln(3)
        heading = f"Comparison: {found['a']['group']} - {found['b']['group']}"
        charted = _section(out, heading, comparison_chart(found, "c"), _COMPARISON_MM)
        _table(out, "comparison", dashboard_tables.comparison(data))
        if not charted:  # the chart writes the verdict under its bars
            out.line((found.get("verdict") or {}).get("text", ""), 9)
    out.pdf.ln(3)
    _room(out, _HEADING_MM + _TABLE_START_MM)
    risk = data["at_risk"]
    out.line(f"At risk: {len(risk['flags'])} of {risk['total']} active flags", 12, "B", 8)
    _table(out, "at-risk", dashboard_tables.at_risk(data))
    return bytes(out.pdf.output())
