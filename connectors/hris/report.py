"""Reading an HRIS report: Workday RaaS (JSON or CSV), BambooHR custom reports, plain CSV.

* Workday RaaS JSON: ``{"Report_Entry": [{"Employee_ID": "21001", ...}, ...]}``.
* BambooHR custom report JSON: ``{"fields": [{"id": "firstName", "name": "First
  Name"}, ...], "employees": [{"id": "123", "firstName": "Ada", ...}]}``; a
  mapping may name a field by its id or by its name.
* A JSON list of objects, or CSV with a header row (what both export as ``csv``).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lrs.plugin.remote import quoted


class ReportError(Exception):
    """The report is not one of the shapes above."""


@dataclass(frozen=True)
class Report:
    records: list[dict[str, Any]]
    #: Field name -> the key records hold it under (BambooHR's "First Name" -> firstName).
    keys: dict[str, str] = field(default_factory=dict)
    #: Every field the report has (the CSV header, the keys the records use).
    fields: frozenset[str] = frozenset()
    #: Rows that could not be read (a CSV row with more cells than the header).
    problems: tuple[str, ...] = ()

    def value(self, record: Mapping[str, Any], name: str) -> Any:
        """The value of field ``name`` in ``record``; ``a/b`` goes into nested objects
        and lists (Workday's multi-instance fields), ``None`` when absent."""
        key = self.keys.get(name, name)
        if key in record or "/" not in key:
            return record.get(key)
        values: list[Any] = [record]
        for step in key.split("/"):
            values = [
                item.get(step)
                for value in values
                for item in (value if isinstance(value, list) else [value])
                if isinstance(item, Mapping)
            ]
        found = [
            v
            for value in values
            for v in (value if isinstance(value, list) else [value])
            if v not in (None, "")
        ]
        return found if len(found) > 1 else found[0] if found else None


def parse_report(body: bytes, content_type: str, fmt: str = "auto") -> Report:
    """The records of a report, as JSON or CSV (``auto``: by content type, else by its
    first character).

    :raises ReportError: not valid JSON / CSV of a known shape, or a web page (a
        sign-in page, a proxy's): read as CSV it was a report of no one, and the run
        succeeded importing nothing.
    """
    if "html" in content_type.lower():
        shown = quoted(content_type.split(";")[0].strip(), 100)
        raise ReportError(f"the answer is a web page ({shown}), "
                          "not a report: is the URL the report's, and are its credentials "
                          "right?")
    if fmt == "auto":
        fmt = (
            "json"
            if "json" in content_type
            else "csv"
            if "csv" in content_type
            else "json"
            if body.lstrip()[:1] in (b"{", b"[")
            else "csv"
        )
    return _json(body) if fmt == "json" else _csv(body)


def _json(body: bytes) -> Report:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise ReportError(f"the report is not valid JSON ({exc})") from None
    keys: dict[str, str] = {}
    if isinstance(data, dict) and "Report_Entry" in data:
        records = data["Report_Entry"]
    elif isinstance(data, dict) and "employees" in data:
        records = data["employees"]
        fields = data.get("fields") or []
        if not isinstance(fields, list):
            raise ReportError("the JSON report's fields are not a list")
        keys = {
            f["name"]: f["id"]
            for f in fields
            if isinstance(f, dict) and isinstance(f.get("name"), str) and "id" in f
        }
    elif isinstance(data, list):
        records = data
    else:
        raise ReportError(
            "the JSON report has neither Report_Entry (Workday) nor employees "
            "(BambooHR), and is not a list of records"
        )
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise ReportError("the JSON report's records are not a list of objects")
    return Report(records, keys, frozenset({*keys, *(k for r in records for k in r)}))


def _csv(body: bytes) -> Report:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReportError(f"the CSV report is not UTF-8 ({exc})") from None
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise ReportError("the CSV report is empty: it has no header row")
    reader.fieldnames = [name.strip() for name in reader.fieldnames]
    records, problems = [], []
    try:
        for line, row in enumerate(reader, start=2):
            if None in row:
                problems.append(f"line {line}: more cells than the header has; left out")
            else:
                records.append(row)
    except csv.Error as exc:
        raise ReportError(f"the CSV report cannot be read: {exc}") from None
    return Report(records, {}, frozenset(reader.fieldnames), tuple(problems))
