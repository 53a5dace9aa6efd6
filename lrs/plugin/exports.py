"""What plugins' exports share: CSV cells a spreadsheet will not run, and PDF text in
an embedded Unicode font (or squeezed into Latin-1 without one).

Exports show names and texts that clients, imports and administrators typed. A
cell a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return) is written with a leading ``'``, as OWASP
advises, so that opening the file runs nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from fpdf import FPDF

_FORMULA = ("=", "+", "-", "@", "\t", "\r")

#: Where Debian, Ubuntu, Fedora and Alpine install DejaVu Sans.
FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
)


def spreadsheet_safe(value: Any) -> Any:
    """``value``, with a leading ``'`` when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A whole CSV document (CRLF lines, as RFC 4180 says), every cell spreadsheet-safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([spreadsheet_safe(h) for h in header])
    writer.writerows([spreadsheet_safe(v) for v in row] for row in rows)
    return buffer.getvalue()


def find_font(configured: str | None = None) -> Path | None:
    """The TrueType font to embed: ``configured`` if given, else the first DejaVu Sans found."""
    if configured:
        return Path(configured)
    return next((path for path in FONT_CANDIDATES if path.is_file()), None)


class PdfWriter:
    """A landscape fpdf2 document whose text is in the embedded font, or squeezed into
    Latin-1 for fpdf2's core font (other characters become ``?``)."""

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
