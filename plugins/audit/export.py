"""Exports for auditors: CSV, JSON Lines with a signed manifest, and a PDF report.

Every export is itself recorded (``audit.exported``, with its filters, count
and SHA-256) after it is written: who took which records out is part of the trail.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from plugins.audit.chain import BODY_COLUMNS, NewEntry, canonical, iso, now_us
from plugins.audit.keys import load_public_key, signature_verifies
from plugins.audit.pdf import render_pdf
from plugins.audit.trail import AuditTrail, Filters

FORMATS = ("csv", "jsonl", "pdf")
CSV_COLUMNS = (*BODY_COLUMNS, "prev_hash", "hash")
JSON_COLUMNS = ("source", "before", "after", "details")
#: Times a spreadsheet and a person can read: ISO 8601 UTC, under these headers.
#: JSON Lines keeps the ``_us`` integers the hash is computed over.
CSV_TIMES = {"recorded_us": "recorded", "occurred_us": "occurred"}


def _csv_value(record: dict[str, Any], column: str) -> Any:
    value = record[column]
    if column in CSV_TIMES:
        return iso(value)
    if column in JSON_COLUMNS and value is not None:
        return canonical(value)
    return value


@dataclass
class Export:
    """What was written: the record count, the file's SHA-256 and (JSON Lines) the manifest."""

    count: int = 0
    sha256: str = ""
    manifest: dict[str, Any] | None = field(default=None)


def csv_lines(records: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([CSV_TIMES.get(column, column) for column in CSV_COLUMNS])
    for record in records:
        writer.writerow([_csv_value(record, column) for column in CSV_COLUMNS])
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


def jsonl_lines(records: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    for record in records:
        yield (canonical(record) + "\n").encode()


def write_export(trail: AuditTrail, filters: Filters, fmt: str, out: IO[bytes], *,
                 actor: str, file_name: str = "",
                 progress: Callable[[int], None] = lambda _n: None) -> Export:
    """Write the filtered entries to ``out`` in ``fmt``, then record the export.

    :param progress: called with the number of records written since the last call.
    """
    result = Export()
    digest = hashlib.sha256()

    def counted() -> Iterator[dict[str, Any]]:
        for record in trail.entries(filters):
            result.count += 1
            progress(1)
            yield record

    if fmt == "pdf":
        chunks: Iterable[bytes] = [render_pdf(list(counted()), filters,
                                       trail.verify(tenant_id=filters.tenant_id))]
    else:
        chunks = csv_lines(counted()) if fmt == "csv" else jsonl_lines(counted())
    for chunk in chunks:
        digest.update(chunk)
        out.write(chunk)
    result.sha256 = digest.hexdigest()
    if fmt == "jsonl":
        result.manifest = signed_manifest(trail, filters, file_name, result)
    trail.record([NewEntry(
        tenant_id=filters.tenant_id, occurred_us=now_us(), actor=actor,
        action="audit.exported", target=f"audit-export:{fmt}",
        dedupe_key=f"export:{result.sha256}:{now_us()}",
        details={"filters": filters.describe(), "count": result.count,
                 "sha256": result.sha256, "format": fmt},
    )])
    return result


def signed_manifest(trail: AuditTrail, filters: Filters, file_name: str,
                    result: Export) -> dict[str, Any]:
    """The manifest of a JSON Lines export, signed with the audit key."""
    manifest: dict[str, Any] = {
        "file": file_name, "format": "jsonl", "sha256": result.sha256, "count": result.count,
        "filters": filters.describe(), "created": iso(now_us()),
        "public_key": trail.signer.public_pem(),
    }
    manifest["signature"] = trail.signer.sign(canonical(manifest).encode())
    return manifest


def manifest_verifies(manifest: dict[str, Any], data: bytes,
                      public_key_pem: str | None = None) -> bool:
    """Whether ``data`` is the file ``manifest`` describes and the signature holds.

    :param public_key_pem: the key the auditor trusts; the manifest's own key
        when omitted (which proves integrity, not origin).
    """
    unsigned = {k: v for k, v in manifest.items() if k != "signature"}
    key = load_public_key(public_key_pem or manifest["public_key"])
    return (hashlib.sha256(data).hexdigest() == manifest["sha256"]
            and signature_verifies(key, canonical(unsigned).encode(), manifest.get("signature")))
