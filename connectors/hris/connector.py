"""The ``hris`` connector: read the whole report, map it, import it into the directory.

An HRIS report is a snapshot of the workforce, not a change feed: each run reads
all of it and imports it in one transaction through ``host.import_people``, which
changes only what differs. There is nothing to resume (a run that fails or is
killed leaves the directory as it was and the next one starts over), so the
cursor is not used.

Records in error are left out and listed in the run's messages while the others
are imported (see :meth:`lrs.plugin.host.Host.import_people` for why); a run in
which no record at all can be imported fails, since that is a wrong mapping or a
wrong report far more often than a workforce of bad records.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from connectors.hris.config import ATTRIBUTE
from connectors.hris.report import Report, ReportError, parse_report
from lrs.plugin.connectors import SyncRun, SyncSummary
from lrs.plugin.remote import call, quoted

if TYPE_CHECKING:
    from lrs.plugin.host import Host, RecordError

#: Messages of a run listing records in error, before "... and N more".
MAX_MESSAGES = 20
#: Workday dates may carry a time zone (``2026-01-15-08:00``), timestamps a time.
_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ].*|Z|[+-]\d{2}:\d{2})?")


class HrisConnector:
    """One configured HRIS report (an :class:`lrs.plugin.connectors.Connector`)."""

    def __init__(self, host: Host, config: dict[str, Any]) -> None:
        self.host = host
        self.config = config

    def sync(self, run: SyncRun) -> SyncSummary:
        report = self._fetch()
        messages = list(report.problems)
        absent = [
            source
            for source in self.config["mapping"]
            if source not in report.fields
            and not any(report.value(r, source) is not None for r in report.records)
        ]
        if report.records and self._source("employee_id") in absent:
            raise ReportError(
                f"the report has no field {self._source('employee_id')!r} "
                "(mapped to employee_id); its fields are "
                + quoted(", ".join(sorted(report.fields)), 500)
            )
        messages += [f"report field {source!r} is in no record" for source in absent]
        records = [self.directory_record(report, raw) for raw in report.records]
        deactivate = self.config["deactivate_missing"]
        if deactivate and (
            not records or report.problems or any(not r.get("employee_id") for r in records)
        ):
            deactivate = False
            messages.append(
                "nobody deactivated: the report is empty or has records without an employee id"
            )
        done = self.host.import_people(
            run.tenant_id,
            records,
            actor=f"connector:{run.instance}",
            plugin="hris",
            deactivate_missing=deactivate,
        )
        refused = sorted({error.record for error in done.errors})
        if records and len(refused) == len(records):
            raise ReportError(
                f"no record could be imported ({len(refused)} in error): "
                + "; ".join(self._describe(records, e) for e in done.errors[:3])
            )
        described = [self._describe(records, error) for error in done.errors]
        messages += described[:MAX_MESSAGES]
        if len(described) > MAX_MESSAGES:
            messages.append(f"... and {len(described) - MAX_MESSAGES} more errors")
        return SyncSummary(
            fetched=len(report.records) + len(report.problems),
            stored=done.created + done.updated + done.deactivated,
            skipped=done.unchanged + len(refused) + len(report.problems),
            messages=(
                f"{done.created} new, {done.updated} updated, "
                f"{done.unchanged} unchanged, {done.deactivated} "
                f"deactivated, {len(refused)} in error",
                *messages,
            ),
        )

    def directory_record(self, report: Report, raw: dict[str, Any]) -> dict[str, Any]:
        """The directory's view of one report record, as the mapping says."""
        record: dict[str, Any] = {}
        for source, target in self.config["mapping"].items():
            value = report.value(raw, source)
            key = target.removeprefix(ATTRIBUTE)
            if target == "hire_date" and isinstance(value, str):
                value = self._date(value)
            elif target == "active" and self.config["inactive_values"] and value is not None:
                value = str(value).strip().lower() not in {
                    v.strip().lower() for v in self.config["inactive_values"]
                }
            if target == "display_name":
                value = " ".join(filter(None, [record.get(key), _text(value)])) or None
            elif target in ("aliases", "accounts"):
                value = [
                    *record.get(key, []),
                    *(value if isinstance(value, list) else [] if value in (None, "") else [value]),
                ]
            record[key] = value
        return record

    def _fetch(self) -> Report:
        config = self.config
        auth, headers = None, {"Accept": "application/json, text/csv;q=0.9, */*;q=0.1"}
        if config["auth"] == "basic":
            auth = (config["username"], config["password"])
        elif config["auth"] == "basic_token":
            auth = (config["token"], "x")  # BambooHR: the API key as user, any password
        elif config["auth"] == "bearer":
            headers["Authorization"] = f"Bearer {config['token']}"
        elif config["auth"] == "api_key":
            headers[config["api_key_header"]] = config["token"]
        response = call(
            "GET",
            config["url"],
            what="HRIS report",
            auth=auth,
            headers=headers,
            timeout=config["timeout_seconds"],
        )
        return parse_report(
            response.content, response.headers.get("Content-Type", ""), config["format"]
        )

    def _source(self, target: str) -> str:
        return next(source for source, t in self.config["mapping"].items() if t == target)

    @staticmethod
    def _date(value: str) -> str:
        if value.startswith("0000-00-00"):  # BambooHR's "no date"
            return ""
        match = _DATE.fullmatch(value.strip())
        return match.group(1) if match else value

    @staticmethod
    def _describe(records: list[dict[str, Any]], error: RecordError) -> str:
        employee = records[error.record - 1].get("employee_id")
        return quoted(str(error), 300) + (
            f" (employee {quoted(repr(employee), 100)})" if employee else "")


def _text(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return "" if value is None else str(value).strip()
