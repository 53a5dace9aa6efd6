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

from fpdf import FPDF
from fpdf.fonts import FontFace

from plugins.competency.standing import LABELS, SYMBOLS

#: Where Debian, Ubuntu, Fedora and Alpine install DejaVu Sans.
FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
)
_WIDTHS = (92, 30, 20, 25, 25, 85)
_HEADINGS = ("Competency", "State", "Confidence", "First attained", "Lapses", "Evidence")
#: Evidence statements listed per competency; the API and the page list them all.
EVIDENCE_SHOWN = 5


def find_font(configured: str | None = None) -> Path | None:
    """The TrueType font to embed: ``configured`` if given, else the first DejaVu Sans found."""
    if configured:
        return Path(configured)
    return next((path for path in FONT_CANDIDATES if path.is_file()), None)


class _Writer:
    """Text in the embedded font, or squeezed into Latin-1 for the core font."""

    def __init__(self, font: Path | None) -> None:
        self.pdf = FPDF(orientation="landscape")
        self.pdf.set_auto_page_break(auto=True, margin=12)
        self.unicode = font is not None
        if font is not None:
            self.pdf.add_font("body", "", str(font))
            self.pdf.add_font("body", "B", str(font))
            self.family = "body"
        else:
            self.family = "Helvetica"

    def text(self, value: Any) -> str:
        text = "" if value is None else str(value)
        return text if self.unicode else text.encode("latin-1", "replace").decode("latin-1")

    def font(self, size: float, style: str = "") -> None:
        self.pdf.set_font(self.family, style, size)

    def line(self, value: Any, size: float = 10, style: str = "", height: float = 6) -> None:
        self.font(size, style)
        self.pdf.multi_cell(0, height, self.text(value), new_x="LMARGIN", new_y="NEXT")


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
