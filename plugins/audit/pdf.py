"""The human-readable audit report (fpdf2): summary, completions per month, the entries.

fpdf2's core fonts are Latin-1 only; text outside it is replaced rather than
failing the export, since the CSV and JSON Lines exports carry the exact values.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any

from fpdf import FPDF

from plugins.audit.chain import Verification, iso
from plugins.audit.trail import Filters

#: Verbs that count as a completion in the chart (online and instructor-led alike).
COMPLETION_VERBS = {
    "http://adlnet.gov/expapi/verbs/completed",
    "http://adlnet.gov/expapi/verbs/passed",
    "http://adlnet.gov/expapi/verbs/attended",
}
_COLUMNS = (("Seq", 14), ("Time (UTC)", 38), ("Actor", 50), ("Action", 34), ("Target", 141))


def _latin1(text: Any) -> str:
    return str(text).encode("latin-1", "replace").decode("latin-1")


#: The chart's caption, which says the rule :func:`completed_on` applies.
CHART_TITLE = ("Completions per month (completed, passed, attended), "
               "by statement timestamp (stored time when it has none)")


def completed_on(statement: dict[str, Any]) -> date:
    """The day a completion counts for: its ``timestamp``, else its ``stored`` time.

    The one rule of the compliance report and the PDF chart: the learner's
    moment, not when the LRS received it (an import stores last year's
    completions today).
    """
    moment = statement.get("timestamp") or statement["stored"]
    return datetime.fromisoformat(moment.replace("Z", "+00:00")).date()


def completions_per_month(records: list[dict[str, Any]]) -> list[tuple[str, int]]:
    months: Counter[str] = Counter()
    for record in records:
        after = record.get("after") or {}
        if record["action"] == "statement.stored" and after.get("verb") in COMPLETION_VERBS:
            months[completed_on(after).strftime("%Y-%m")] += 1
    return sorted(months.items())


def render_pdf(records: list[dict[str, Any]], filters: Filters,
               verification: Verification) -> bytes:
    pdf = FPDF(orientation="landscape")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, "Weft audit trail report", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    described = ", ".join(f"{k}={v}" for k, v in filters.describe().items() if v is not None)
    status = verification.as_dict()["message"]
    for line in (f"Filters: {described}", f"Entries in this report: {len(records)}",
                 f"Chain verification ({verification.entries} entries, "
                 f"{verification.checkpoints} signed checkpoints): {status}"):
        pdf.multi_cell(0, 6, _latin1(line), new_x="LMARGIN", new_y="NEXT")
    _chart(pdf, completions_per_month(records))
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 9)
    for title, width in _COLUMNS:
        pdf.cell(width, 7, title, border=1)
    pdf.ln()
    pdf.set_font("Helvetica", size=7)
    for record in records:
        values = (record["seq"], iso(record["occurred_us"])[:19], record["actor"],
                  record["action"], record["target"])
        for (_, width), value in zip(_COLUMNS, values, strict=True):
            text = _latin1(value)
            while text and pdf.get_string_width(text) > width - 2:
                text = text[:-2]
            pdf.cell(width, 5, text, border=1)
        pdf.ln()
    return bytes(pdf.output())


def _chart(pdf: FPDF, months: list[tuple[str, int]]) -> None:
    """A bar chart of completions per month, drawn with rectangles (no extra dependency)."""
    if not months:
        return
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 8, CHART_TITLE, new_x="LMARGIN", new_y="NEXT")
    # Room above the tallest bar for its count, which is drawn 1 mm above the bar's
    # top: without it the label of the busiest month ran into the heading.
    top, height, left = pdf.get_y() + 5, 40.0, pdf.l_margin + 10
    bar = min(18.0, (pdf.epw - 20) / len(months))
    peak = max(count for _, count in months)
    pdf.set_font("Helvetica", size=7)
    pdf.set_fill_color(70, 110, 170)
    for index, (month, count) in enumerate(months):
        x = left + index * bar
        bar_height = height * count / peak
        pdf.rect(x + 1, top + height - bar_height, bar - 2, bar_height, style="F")
        pdf.text(x + 1, top + height - bar_height - 1, str(count))
        pdf.text(x + 1, top + height + 4, month)
    pdf.set_y(top + height + 6)
