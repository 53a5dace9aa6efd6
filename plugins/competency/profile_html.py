"""The rows of a profile page's table, written here rather than in Jinja.

A full profile is 2,000 competencies with some 6,000 evidence links; Jinja spends about
100 µs a row on it (and ``url_for`` 30 µs a link), which alone would break the page's
100 ms target. These rows cost a few µs each. Every value that comes from a client,
an import or a CASE package goes through :func:`html.escape` (quotes too), as Jinja's
autoescape would do: the same characters as :func:`markupsafe.escape`, without
making a ``Markup`` of each of some 18,000 values (half the rows' time).
"""

from __future__ import annotations

from html import escape
from typing import Any

from markupsafe import Markup

from plugins.competency.standing import LABELS, SYMBOLS


def profile_rows(competencies: list[dict[str, Any]], statement_url: str) -> Markup:
    """``<tr>`` of each competency; ``statement_url`` with ``{id}`` links an evidence id."""
    parts: list[str] = []
    add = parts.append
    before, _, after = (escape(part) for part in statement_url.partition("{id}"))
    for c in competencies:
        state = c["state"]
        code = f"<strong>{escape(c['code'])}</strong> " if c["code"] else ""
        confidence = "" if c["confidence"] is None else f"{c['confidence']:.2f}"
        if c["evidence"]:
            links = "".join(
                f'<li><a href="{before}{escape(e["statementId"])}{after}">'
                f"{escape(e['statementId'][:8])}</a> {e['occurred'][:10]}"
                f"{'' if e['positive'] else ' (against)'}</li>"
                for e in c["evidence"]
            )
            evidence = f'<ul class="evidence">{links}</ul>'
        else:
            evidence = str(c["evidenceCount"])
        add(
            f'<tr data-uri="{escape(c["uri"])}"><td class="name d{min(c["depth"], 8)}">'
            f"{code}{escape(c['statement'])}</td>"
            f'<td class="state s-{state}"><span aria-hidden="true">{SYMBOLS[state]}</span> '
            f"{LABELS[state]}</td><td>{confidence}</td>"
            f"<td>{(c['firstAttained'] or '')[:10]}</td><td>{(c['lapses'] or '')[:10]}</td>"
            f"<td>{evidence}</td></tr>\n"
        )
    return Markup("".join(parts))
