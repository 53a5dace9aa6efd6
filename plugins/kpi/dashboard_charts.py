"""The dashboard's charts as inline SVG, drawn here on the server: no charting library,
no script, nothing loaded from elsewhere (the UI's CSP allows only its own files).

Every chart has a ``<title>`` and a ``<desc>`` that say in words what it shows,
and writes each number next to what it draws, with the status in words: it reads
without colour and with a screen reader. KPI titles and group names were typed
by people, so every text goes through :func:`_text` (XML escaping, quotes too),
never into the markup as is. Colours come from classes the plugin's stylesheet
(``kpi/dashboard.css``) fills in; the shapes are drawn with attributes, never
``style``.
"""

from __future__ import annotations

from html import escape
from typing import Any

from markupsafe import Markup

#: Status in words and the symbol tiles and charts show with it.
STATUS_WORDS = {
    "on_track": "on track",
    "at_risk": "at risk",
    "missed": "missed",
    "no_data": "no data",
}
STATUS_SYMBOLS = {"on_track": "✓", "at_risk": "!", "missed": "✗", "no_data": "\u2013"}  # an en dash

WIDTH, HEIGHT = 420, 190
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 22, 40
COMPARISON_WIDTH = 680


def _text(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def _word(status: str) -> str:
    return _text(STATUS_WORDS.get(status, status))


def number(value: float | None) -> str:
    """A value as the dashboard writes it: ``50``, ``66.67``, ``—`` for none."""
    return "—" if value is None else f"{value:g}"


def _svg(
    label_id: str, title: str, desc: str, body: list[str], height: int = HEIGHT, width: int = WIDTH
) -> Markup:
    return Markup(
        f'<svg class="chart kpi-chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg" '
        f'aria-labelledby="{label_id}-title {label_id}-desc">'
        f'<title id="{label_id}-title">{_text(title)}</title>'
        f'<desc id="{label_id}-desc">{_text(desc)}</desc>{"".join(body)}</svg>'
    )


def _scale(values: list[float]) -> tuple[float, float]:
    low, high = min([0.0, *values]), max([1.0, *values])
    return low, high + (high - low) * 0.12


def trend_chart(tile: dict[str, Any], chart_id: str) -> Markup:
    """The KPI's value over its periods (a line with a labelled point per period, its
    status symbol beside the number) and its target (a dashed line, labelled)."""
    series = tile["series"]
    values = [p["value"] for p in series if p["value"] is not None]
    targets = [p["target"] for p in series if p["target"] is not None]
    low, high = _scale(values + targets)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(series) - 1, 1)

    def x(i: int) -> float:
        return LEFT + (i * step if len(series) > 1 else plot_w / 2)

    def y(v: float) -> float:
        return TOP + plot_h - (v - low) / (high - low) * plot_h

    body = [
        f'<line class="axis" x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" '
        f'y2="{TOP + plot_h}" stroke="currentColor"/>',
        f'<text class="tick" x="{LEFT - 6}" y="{y(low):.1f}" text-anchor="end">'
        f"{number(round(low, 2))}</text>",
        f'<text class="tick" x="{LEFT - 6}" y="{y(high) + 10:.1f}" text-anchor="end">'
        f"{number(round(high, 2))}</text>",
    ]
    current_target = series[-1]["target"] if series else None
    if current_target is not None:
        ty = y(current_target)
        body.append(
            f'<line class="target" x1="{LEFT}" y1="{ty:.1f}" x2="{WIDTH - RIGHT}" y2="{ty:.1f}" '
            f'stroke="currentColor" stroke-dasharray="6 4"/>'
            f'<text class="target-label" x="{WIDTH - RIGHT}" y="{ty - 4:.1f}" text-anchor="end">'
            f"target {_text(series[-1]['op'])} {number(current_target)}</text>"
        )
    segment: list[str] = []
    for i, point in enumerate([*series, {"value": None}]):
        if point["value"] is not None:
            segment.append(f"{x(i):.1f},{y(point['value']):.1f}")
            continue
        if len(segment) > 1:
            body.append(
                f'<polyline class="line" points="{" ".join(segment)}" fill="none" '
                f'stroke="currentColor" stroke-width="2"/>'
            )
        segment = []
    every = max(1, -(-len(series) // 4))  # at most 4 or 5 period labels: they are long
    for i, point in enumerate(series):
        label = point["period"]["label"]
        status = point["status"]
        last = i == len(series) - 1 and len(series) > 1
        if point["value"] is not None:
            px, py = x(i), y(point["value"])
            body.append(
                f'<circle class="point status-{_text(status)}" cx="{px:.1f}" cy="{py:.1f}" r="4">'
                f"<title>{_text(label)}: {number(point['value'])}, "
                f"{_word(status)}</title></circle>"
                f'<text class="value" x="{px + 4 if last else px:.1f}" y="{py - 8:.1f}" '
                f'text-anchor="{"end" if last else "middle"}">'
                f"{number(point['value'])} {STATUS_SYMBOLS.get(status, '')}</text>"
            )
        if (i % every == 0 and len(series) - 1 - i >= every) or i == len(series) - 1:
            anchor = "end" if i == len(series) - 1 and len(series) > 1 else "middle"
            body.append(
                f'<text class="tick" x="{x(i):.1f}" y="{HEIGHT - BOTTOM + 16}" '
                f'text-anchor="{anchor}">{_text(label)}</text>'
            )
    described = "; ".join(
        f"{p['period']['label']}: {number(p['value'])} ({_word(p['status'])})" for p in series
    )
    target_text = (
        f"; target {series[-1]['op']} {number(current_target)}"
        if current_target is not None
        else ""
    )
    return _svg(
        chart_id,
        f"{tile['title']}: value per period",
        (described or "No values recorded yet") + target_text,
        body,
    )


def comparison_chart(found: dict[str, Any], chart_id: str) -> Markup:
    """Two bars (each group's value, labelled) and below them the difference a - b as a
    bar from zero with its 95 % confidence interval as whiskers, each end labelled."""
    a, b = found["a"], found["b"]
    unit = found.get("unit") or ""
    values = [v for v in (a["value"], b["value"]) if v is not None]
    _, high = _scale(values)
    width = COMPARISON_WIDTH
    bar_left, bar_w = 150, width - 150 - 170
    body = []
    for row, side in enumerate((a, b)):
        y0 = 16 + row * 34
        length = 0 if side["value"] is None else side["value"] / high * bar_w
        body.append(
            f'<text class="label" x="{bar_left - 8}" y="{y0 + 15}" text-anchor="end">'
            f"{_text(side['group'])}</text>"
            f'<rect class="bar group-{"ab"[row]}" x="{bar_left}" y="{y0}" width="{length:.1f}" '
            f'height="22"/>'
            f'<text class="value" x="{bar_left + length + 6:.1f}" y="{y0 + 15}">'
            f"{number(side['value'])} {_text(unit)} ({side['people']} people)</text>"
        )
    difference, interval = found.get("difference"), found.get("confidence_interval")
    verdict = (found.get("verdict") or {}).get("text", "")
    y0 = 100
    desc = (
        f"{a['group']}: {number(a['value'])} {unit}, {a['people']} people; "
        f"{b['group']}: {number(b['value'])} {unit}, {b['people']} people; "
        f"difference {number(difference)}"
    )
    if difference is not None:
        ends = [difference, 0.0]
        if interval:
            ends += [interval["lower"], interval["upper"]]
            desc += f", 95 % interval {number(interval['lower'])} to {number(interval['upper'])}"
        span = max(abs(e) for e in ends) * 1.15 or 1.0
        zero = bar_left + bar_w / 2

        def dx(v: float) -> float:
            return zero + v / span * (bar_w / 2)

        left, right = sorted((zero, dx(difference)))
        body.append(
            f'<text class="label" x="{bar_left - 8}" y="{y0 + 15}" text-anchor="end">'
            f"difference a - b</text>"
            f'<line class="axis" x1="{zero:.1f}" y1="{y0 - 6}" x2="{zero:.1f}" y2="{y0 + 30}" '
            f'stroke="currentColor"/>'
            f'<rect class="bar difference" x="{left:.1f}" y="{y0 + 4}" '
            f'width="{right - left:.1f}" height="14"/>'
        )
        if interval:
            lo, hi = dx(interval["lower"]), dx(interval["upper"])
            body.append(
                f'<g class="whisker" stroke="currentColor" stroke-width="2">'
                f'<line x1="{lo:.1f}" y1="{y0 + 11}" x2="{hi:.1f}" y2="{y0 + 11}"/>'
                f'<line x1="{lo:.1f}" y1="{y0 + 2}" x2="{lo:.1f}" y2="{y0 + 20}"/>'
                f'<line x1="{hi:.1f}" y1="{y0 + 2}" x2="{hi:.1f}" y2="{y0 + 20}"/></g>'
                f'<text class="value" x="{lo:.1f}" y="{y0 + 34}" text-anchor="middle">'
                f"{number(interval['lower'])}</text>"
                f'<text class="value" x="{hi:.1f}" y="{y0 + 34}" text-anchor="middle">'
                f"{number(interval['upper'])}</text>"
            )
        body.append(
            f'<text class="value" x="{dx(difference):.1f}" y="{y0 - 2}" text-anchor="middle">'
            f"{number(difference)}</text>"
        )
    body.append(f'<text class="verdict" x="8" y="{y0 + 56}">{_text(verdict)}</text>')
    return _svg(
        chart_id,
        f"{a['group']} compared with {b['group']}: {found['measure']}",
        f"{desc}. {verdict}",
        body,
        height=y0 + 66,
        width=width,
    )
