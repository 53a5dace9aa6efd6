"""Merging a checked :class:`~plugins.competency.package.Package` into the tables, and reading back.

Items are keyed by URI (an item whose URI changed but whose identifier did not is
the same item); associations by identifier. An incoming node replaces the stored
one only when its ``lastChangeDateTime`` is newer and something differs; each
replaced item gets a history row naming the fields and the version it came from.
Stored nodes missing from the package are retired, and restored if they return.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lrs.plugin.host import Host
from plugins.competency.errors import not_found
from plugins.competency.models import Association, Framework, Item, ItemChange
from plugins.competency.package import AssociationSpec, ItemSpec, Package
from plugins.competency.tree import tree_order

ITEM_FIELDS = ("identifier", "uri", "full_statement", "human_coding_scheme", "item_type")
ASSOCIATION_FIELDS = (
    "uri",
    "association_type",
    "origin_uri",
    "destination_uri",
    "sequence_number",
)


@dataclass
class ImportSummary:
    """What an import did (or, dry, would do), as the API and the CLI report it."""

    framework: str
    format: str
    created: bool
    dry_run: bool
    items: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            ("added", "updated", "unchanged", "stale", "retired", "restored"), 0
        )
    )
    associations: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(("added", "updated", "unchanged", "retired"), 0)
    )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _differences(row: Any, spec: Any, names: tuple[str, ...]) -> dict[str, list[Any]]:
    return {
        name: [getattr(row, name), getattr(spec, name)]
        for name in names
        if getattr(row, name) != getattr(spec, name)
    }


def import_package(
    host: Host,
    tenant_id: int,
    package: Package,
    *,
    actor: str,
    dry_run: bool = False,
    source: dict[str, str] | None = None,
    record_unchanged: bool = True,
) -> ImportSummary:
    """Create or update the package's framework in one transaction (none when ``dry_run``).

    The import is an administrative action in the audit trail; a scheduled pull
    (``record_unchanged=False``) records only those that changed something.
    """
    now_us = time.time_ns() // 1000
    doc = package.document
    with host.read() if dry_run else host.write() as session:
        framework = session.scalar(
            select(Framework).where(
                Framework.tenant_id == tenant_id, Framework.identifier == doc.identifier
            )
        )
        summary = ImportSummary(doc.identifier, package.source_format, framework is None, dry_run)
        if framework is None:
            framework = Framework(tenant_id=tenant_id, identifier=doc.identifier)
            if not dry_run:
                session.add(framework)
        if framework.last_change is None or doc.last_change >= framework.last_change:
            framework.uri, framework.title, framework.creator = doc.uri, doc.title, doc.creator
            framework.version, framework.last_change = doc.version, doc.last_change
        framework.source_format, framework.imported_us = package.source_format, now_us
        if dry_run:
            if framework.id is not None:
                session.expunge(framework)
        else:
            session.flush()
        _merge_items(host, session, framework.id, package.items, summary, now_us, dry_run)
        _merge_associations(host, session, framework.id, package.associations, summary, dry_run)
        changed = summary.created or any(
            n
            for counts in (summary.items, summary.associations)
            for what, n in counts.items()
            if what not in ("unchanged", "stale")
        )
        if not dry_run and (changed or record_unchanged):
            host.record_admin_action(
                session,
                tenant_id,
                actor=actor,
                action="competency.framework_imported",
                target=f"competency_framework:{doc.identifier}",
                occurred_us=now_us,
                details={
                    "format": package.source_format,
                    "items": summary.items,
                    "associations": summary.associations,
                },
                source=source,
            )
    return summary


def _merge_items(
    host: Host,
    session: Session,
    framework_id: int | None,
    specs: tuple[ItemSpec, ...],
    summary: ImportSummary,
    now_us: int,
    dry_run: bool,
) -> None:
    stored = (
        list(session.scalars(select(Item).where(Item.framework_id == framework_id)))
        if framework_id is not None
        else []
    )
    by_uri = {row.uri: row for row in stored}
    by_identifier = {row.identifier: row for row in stored}
    counts, seen, new, history = summary.items, set(), [], []
    for spec in specs:
        row = by_uri.get(spec.uri) or by_identifier.get(spec.identifier)
        if row is not None and row.id in seen:  # its identifier moved to another URI
            row = None
        if row is None:
            counts["added"] += 1
            new.append(
                {
                    **{n: getattr(spec, n) for n in ITEM_FIELDS},
                    "framework_id": framework_id,
                    "last_change": spec.last_change,
                    "retired": False,
                    "version": 1,
                }
            )
            continue
        seen.add(row.id)
        changed = _differences(row, spec, ITEM_FIELDS)
        if row.retired:
            counts["restored"] += 1
            changed["retired"] = [True, False]
        elif not changed:
            counts["unchanged"] += 1
            continue
        elif spec.last_change <= row.last_change:
            counts["stale"] += 1
            continue
        else:
            counts["updated"] += 1
        history.append(
            _change(
                row, "restored" if row.retired else "updated", spec.last_change, changed, now_us
            )
        )
        if not dry_run:
            for name in ITEM_FIELDS:
                setattr(row, name, getattr(spec, name))
            row.last_change, row.retired, row.version = spec.last_change, False, row.version + 1
    for row in stored:
        if row.id not in seen and not row.retired:
            counts["retired"] += 1
            history.append(
                _change(row, "retired", row.last_change, {"retired": [False, True]}, now_us)
            )
            if not dry_run:
                row.retired, row.version = True, row.version + 1
    if not dry_run:
        session.flush()
        host.insert_rows(session, Item.__table__, new)
        host.insert_rows(session, ItemChange.__table__, history)


def _change(row: Item, change: str, to: str, fields: dict[str, Any], now_us: int) -> dict[str, Any]:
    return {
        "item_id": row.id,
        "change": change,
        "from_version": row.version,
        "from_last_change": row.last_change,
        "to_last_change": to,
        "fields": json.dumps(fields),
        "changed_us": now_us,
    }


def _merge_associations(
    host: Host,
    session: Session,
    framework_id: int | None,
    specs: tuple[AssociationSpec, ...],
    summary: ImportSummary,
    dry_run: bool,
) -> None:
    stored = {
        row.identifier: row
        for row in (
            session.scalars(select(Association).where(Association.framework_id == framework_id))
            if framework_id is not None
            else []
        )
    }
    counts, new = summary.associations, []
    for spec in specs:
        row = stored.pop(spec.identifier, None)
        if row is None:
            counts["added"] += 1
            new.append(
                {
                    **{n: getattr(spec, n) for n in ASSOCIATION_FIELDS},
                    "identifier": spec.identifier,
                    "framework_id": framework_id,
                    "last_change": spec.last_change,
                    "retired": False,
                }
            )
        elif row.retired or (
            spec.last_change > row.last_change and _differences(row, spec, ASSOCIATION_FIELDS)
        ):
            counts["updated"] += 1
            if not dry_run:
                for name in ASSOCIATION_FIELDS:
                    setattr(row, name, getattr(spec, name))
                row.last_change, row.retired = spec.last_change, False
        else:
            counts["unchanged"] += 1
    for row in stored.values():
        if not row.retired:
            counts["retired"] += 1
            if not dry_run:
                row.retired = True
    if not dry_run:
        session.flush()
        host.insert_rows(session, Association.__table__, new)


def _framework(session: Session, tenant_id: int, identifier: str) -> Framework:
    framework = session.scalar(
        select(Framework).where(
            Framework.tenant_id == tenant_id, Framework.identifier == identifier
        )
    )
    if framework is None:
        raise not_found(f"no framework {identifier!r}")
    return framework


def _framework_dict(framework: Framework) -> dict[str, Any]:
    return {
        "identifier": framework.identifier,
        "uri": framework.uri,
        "title": framework.title,
        "creator": framework.creator,
        "version": framework.version,
        "lastChangeDateTime": framework.last_change,
        "format": framework.source_format,
    }


def list_frameworks(host: Host, tenant_id: int) -> list[dict[str, Any]]:
    with host.read() as session:
        rows = session.scalars(
            select(Framework).where(Framework.tenant_id == tenant_id).order_by(Framework.identifier)
        )
        return [_framework_dict(row) for row in rows]


def framework_detail(host: Host, tenant_id: int, identifier: str) -> dict[str, Any]:
    """The framework with its items (each with its history) and associations."""
    with host.read() as session:
        framework = _framework(session, tenant_id, identifier)
        items = list(
            session.scalars(select(Item).where(Item.framework_id == framework.id).order_by(Item.id))
        )
        changes: dict[int, list[dict[str, Any]]] = {}
        for change in session.scalars(
            select(ItemChange)
            .where(ItemChange.item_id.in_([i.id for i in items]))
            .order_by(ItemChange.id)
        ):
            changes.setdefault(change.item_id, []).append(
                {
                    "change": change.change,
                    "fromVersion": change.from_version,
                    "fromLastChangeDateTime": change.from_last_change,
                    "toLastChangeDateTime": change.to_last_change,
                    "fields": json.loads(change.fields),
                }
            )
        associations = session.scalars(
            select(Association)
            .where(Association.framework_id == framework.id)
            .order_by(Association.sequence_number, Association.id)
        )
        return {
            **_framework_dict(framework),
            "items": [
                {
                    "identifier": item.identifier,
                    "uri": item.uri,
                    "fullStatement": item.full_statement,
                    "humanCodingScheme": item.human_coding_scheme,
                    "CFItemType": item.item_type,
                    "lastChangeDateTime": item.last_change,
                    "retired": item.retired,
                    "version": item.version,
                    "history": changes.get(item.id, []),
                }
                for item in items
            ],
            "associations": [
                {
                    "identifier": a.identifier,
                    "uri": a.uri,
                    "associationType": a.association_type,
                    "originNodeURI": a.origin_uri,
                    "destinationNodeURI": a.destination_uri,
                    "sequenceNumber": a.sequence_number,
                    "lastChangeDateTime": a.last_change,
                    "retired": a.retired,
                }
                for a in associations
            ],
        }


def tree_lines(detail: dict[str, Any]) -> list[str]:
    """The current items as an indented ``isChildOf`` tree, in sequence order, each
    with the items that ``precedes`` it (its prerequisites)."""
    items = {i["uri"]: i for i in detail["items"] if not i["retired"]}
    links: list[tuple[str, str]] = []
    after: dict[str, list[str]] = {}
    for a in detail["associations"]:
        origin, destination = a["originNodeURI"], a["destinationNodeURI"]
        if a["retired"] or origin not in items:
            continue
        if a["associationType"] == "isChildOf":
            links.append((origin, destination))
        elif a["associationType"] == "precedes" and destination in items:
            after.setdefault(destination, []).append(
                items[origin]["humanCodingScheme"] or items[origin]["fullStatement"]
            )
    lines: list[str] = []
    for uri, depth, _ in tree_order(items, links, detail["uri"]):
        item = items[uri]
        code = f"{item['humanCodingScheme']} " if item["humanCodingScheme"] else ""
        prerequisites = f"  [after {', '.join(after[uri])}]" if uri in after else ""
        lines.append(f"{'  ' * depth}{code}{item['fullStatement']}{prerequisites}")
    return lines
