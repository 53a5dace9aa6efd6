"""A person's competency profile as a PDF (fpdf2), for the person's file or an auditor.

Names and competency statements may be in any script: the PDF embeds DejaVu Sans
(Latin, Greek, Cyrillic, Arabic, Hebrew...) when it is installed (Debian's
``fonts-dejavu-core``; another TrueType font with ``LRS_PLUGIN_COMPETENCY_PDF_FONT``).
Without one it falls back to fpdf2's core font, which is Latin-1 only: other
characters are then replaced by ``?``, as in the audit report, and the states lose
their symbols.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fpdf.fonts import FontFace

from lrs.plugin.exports import PdfWriter as _Writer
from lrs.plugin.exports import find_font as find_font  # where the views import it from
from plugins.competency.standing import LABELS, SYMBOLS

_WIDTHS = (92, 30, 20, 25, 25, 85)
_HEADINGS = ("Competency", "State", "Confidence", "First attained", "Lapses", "Evidence")
#: Evidence statements listed per competency; the API and the page list them all.
EVIDENCE_SHOWN = 5


def profile_pdf(profile: dict[str, Any], font: Path | None = None) -> bytes:
    """The profile of :func:`plugins.competency.profiles.person_profile` as PDF bytes."""
    out = _Writer(font)
    out.pdf.add_page()
    person = profile["person"]
    out.line("Competency profile", 16, "B", 10)
    out.line(f"{person['name'] or person['employeeId']} (employee id {person['employeeId']})", 12)
    if person.get("department"):
        out.line(f"Department: {person['department']}")
    out.line(f"As of {profile['asOf']}")
    for framework in profile["frameworks"]:
        out.pdf.ln(4)
        out.line(framework["title"], 13, "B", 8)
        counts = framework["counts"]
        out.line(", ".join(f"{LABELS[state]}: {n}" for state, n in counts.items()), 9)
        _table(out, framework["competencies"])
    return bytes(out.pdf.output())


def _state(out: _Writer, state: str) -> str:
    return f"{SYMBOLS[state]} {LABELS[state]}" if out.unicode else LABELS[state]


def _table(out: _Writer, competencies: list[dict[str, Any]]) -> None:
    out.font(8)
    heading = FontFace(emphasis="BOLD", fill_color=(225, 230, 240))
    with out.pdf.table(
        col_widths=_WIDTHS, headings_style=heading, line_height=4.5, text_align="LEFT"
    ) as table:
        table.row([*_HEADINGS])
        for c in competencies:
            name = ("  " * c["depth"]) + " ".join(x for x in (c["code"], c["statement"]) if x)
            evidence = [
                f"{e['statementId']} ({e['occurred'][:10]}{'' if e['positive'] else ', against'})"
                for e in c["evidence"][:EVIDENCE_SHOWN]
            ]
            if len(c["evidence"]) > EVIDENCE_SHOWN:
                evidence.append(f"and {len(c['evidence']) - EVIDENCE_SHOWN} more")
            confidence = "" if c["confidence"] is None else f"{c['confidence']:.2f}"
            table.row(
                [
                    out.text(name),
                    _state(out, c["state"]),
                    confidence,
                    (c["firstAttained"] or "")[:10],
                    (c["lapses"] or "")[:10],
                    out.text(f"{c['evidenceCount']}: " + "; ".join(evidence) if evidence else "0"),
                ]
            )
