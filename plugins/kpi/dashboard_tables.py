"""The dashboard's tables, as header and rows: what the CSV exports write and the PDF
report prints, so both say the same as the page.

Each table is one of :data:`TABLES` (``tiles``, ``comparison``, ``at-risk``) or a
KPI's trend (:func:`trend`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from plugins.kpi.dashboard_charts import STATUS_WORDS

Table = tuple[tuple[str, ...], list[tuple[Any, ...]]]


def _status(status: str | None) -> str:
    return "" if status is None else STATUS_WORDS.get(status, status)


def tiles(data: dict[str, Any]) -> Table:
    header = (
        "kpi",
        "title",
        "period",
        "start",
        "end",
        "value",
        "unit",
        "op",
        "target",
        "status",
        "trend",
        "people",
        "closed",
        "owner",
    )
    rows = []
    for tile in data["tiles"]:
        c = tile["current"] or {"period": {}}
        rows.append(
            (
                tile["key"],
                tile["title"],
                c["period"].get("label"),
                c["period"].get("start"),
                c["period"].get("end"),
                c.get("value"),
                tile["unit"],
                c.get("op"),
                c.get("target"),
                _status(c.get("status")),
                c.get("trend"),
                c.get("sample"),
                c.get("closed"),
                tile["owner"],
            )
        )
    return header, rows


def trend(tile: dict[str, Any]) -> Table:
    header = ("kpi", "period", "start", "end", "value", "op", "target", "status", "trend", "people")
    rows = [
        (
            tile["key"],
            p["period"]["label"],
            p["period"]["start"],
            p["period"]["end"],
            p["value"],
            p["op"],
            p["target"],
            _status(p["status"]),
            p["trend"],
            p["sample"],
        )
        for p in tile["series"]
    ]
    return header, rows


def comparison(data: dict[str, Any]) -> Table:
    header = (
        "measure",
        "group",
        "value",
        "people",
        "units",
        "difference",
        "ci_lower",
        "ci_upper",
        "test",
        "p_value",
        "verdict",
    )
    found = data["comparison"]
    if found is None:
        return header, []
    interval = found.get("confidence_interval") or {}
    rows = []
    for side in ("a", "b"):
        rows.append(
            (
                found["measure"],
                found[side]["group"],
                found[side]["value"],
                found[side]["people"],
                found.get(f"n_{side}"),
                found.get("difference") if side == "a" else None,
                interval.get("lower") if side == "a" else None,
                interval.get("upper") if side == "a" else None,
                found.get("test"),
                found.get("p_value"),
                (found.get("verdict") or {}).get("text"),
            )
        )
    return header, rows


def at_risk(data: dict[str, Any]) -> Table:
    header = ("flag", "employee_id", "name", "manager", "rule", "status", "reason", "opened")
    rows = [
        (
            f["id"],
            f["employee_id"],
            f["name"],
            f["manager"],
            f["rule"],
            f["status"],
            f["reason"],
            f["opened"],
        )
        for f in data["at_risk"]["flags"]
    ]
    return header, rows


TABLES: dict[str, Callable[[dict[str, Any]], Table]] = {
    "tiles": tiles,
    "comparison": comparison,
    "at-risk": at_risk,
}
