"""A simple CSV framework, for organisations without a CASE tool.

Columns (header names, case-insensitive): ``id`` (or ``uri``), ``parent`` (the
parent's id, empty for a top-level competency), ``statement``, ``code`` and ``type``
(both optional). Each row becomes a CFItem; each parent an ``isChildOf``
association, and row order the ``sequenceNumber``. A CSV has no
``lastChangeDateTime``: the import time stands in, so a changed row is updated
and an unchanged one left alone.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime

from plugins.competency.errors import CompetencyError
from plugins.competency.package import AssociationSpec, Document, ItemSpec, Package, timestamp

#: The namespace of the identifiers a CSV framework's associations get (uuid5).
NAMESPACE = uuid.UUID("6b1f3c52-8e0a-4f6e-9d1c-3a7c9e2b5d40")


def _uri(base: str, key: str) -> str:
    return key if "://" in key or key.startswith("urn:") else f"{base}/{key}"


def read_csv(text: str, *, name: str, now: datetime | None = None) -> Package:
    """The framework ``name`` (its identifier and title) of a CSV file's ``text``."""
    changed = timestamp((now or datetime.now(UTC)).isoformat())
    rows = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = {h.strip().lower(): h for h in rows.fieldnames or []}
    key_column = header.get("id") or header.get("uri")
    if key_column is None or "statement" not in header:
        raise CompetencyError(
            "the CSV framework needs the columns id (or uri) and statement",
            [{"path": "line 1", "message": f"columns are {', '.join(header) or 'none'}"}],
        )
    if len(name) > 200:
        raise CompetencyError(
            "the file's name is the framework's identifier: at most 200 characters",
            [{"path": "file name", "message": "longer than 200 characters"}],
        )
    base = f"urn:weft:competency:{name}"
    document = Document(name, base, name, "CSV import", None, changed)
    errors: list[dict[str, str]] = []
    items: list[ItemSpec] = []
    parents: list[tuple[str, str, int]] = []
    lines: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
        key = (row.get(key_column) or "").strip()
        statement = (row.get(header["statement"]) or "").strip()
        for column, value in ((key_column, key), ("statement", statement)):
            if not value:
                errors.append({"path": f"line {line}.{column}", "message": "missing"})
        if len(key) > 200:
            errors.append({"path": f"line {line}.{key_column}", "message": "longer than 200"})
        if key in lines:
            errors.append(
                {"path": f"line {line}.{key_column}", "message": f"repeats line {lines[key]}"}
            )
        lines.setdefault(key, line)
        if row.get(None):  # csv.DictReader keeps cells beyond the header under None
            errors.append(
                {"path": f"line {line}", "message": "more cells than columns (quote commas)"}
            )
        code = (row.get(header.get("code", ""), "") or "").strip() or None
        kind = (row.get(header.get("type", ""), "") or "").strip() or None
        items.append(ItemSpec(key, _uri(base, key), statement, code, kind, changed))
        parents.append((key, (row.get(header.get("parent", ""), "") or "").strip(), line))
    for _, parent, line in parents:
        if parent and parent not in lines:
            errors.append({"path": f"line {line}.parent", "message": f"{parent!r} is no row's id"})
    if errors:
        raise CompetencyError("the CSV framework is not valid; nothing was imported", errors[:50])
    associations = []
    for sequence, (key, parent, _) in enumerate(parents, start=1):
        origin, destination = _uri(base, key), _uri(base, parent) if parent else base
        identifier = str(uuid.uuid5(NAMESPACE, f"{origin} isChildOf {destination}"))
        associations.append(
            AssociationSpec(
                identifier,
                f"{base}/associations/{identifier}",
                "isChildOf",
                origin,
                destination,
                sequence,
                changed,
            )
        )
    return Package("csv", document, tuple(items), tuple(associations))
