"""Canonical activity definitions: the merge of every definition the LRS has seen.

``GET /activities`` returns one definition per activity id. Statements may each
carry a partial definition (one language, or no interaction details), so the
canonical one is a merge: later values win, language maps and extensions merge
per key. A batch reads the affected activities with one SELECT and writes only
those that changed with one upsert.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lrs.models import Activity
from lrs.store.bulk import any_of, dialect_insert
from lrs.xapi.json_values import decode_stored, encode_storable

#: Definition properties merged key by key rather than replaced.
_MERGED_MAPS = ("name", "description", "extensions")


def merge_activity(current: dict[str, Any] | None, incoming: dict[str, Any]) -> dict[str, Any]:
    """``incoming`` folded into ``current`` (both Activity objects with the same id)."""
    merged: dict[str, Any] = {"objectType": "Activity", "id": incoming["id"]}
    old_def = (current or {}).get("definition") or {}
    new_def = incoming.get("definition") or {}
    if old_def or new_def:
        definition = {**old_def, **new_def}
        for name in _MERGED_MAPS:
            old, new = old_def.get(name), new_def.get(name)
            if isinstance(old, dict) and isinstance(new, dict):
                definition[name] = {**old, **new}
        merged["definition"] = definition
    return merged


def upsert_activities(
    session: Session,
    tenant_id: int,
    activities: Iterable[dict[str, Any]],
    *,
    stored: dict[str, str] | None = None,
) -> None:
    """Merge ``activities`` (in statement order) into the stored canonical definitions.

    :param stored: the stored definitions (JSON text) of at least these activities,
        when the caller has read them already (PostgreSQL reads them in the
        statements' INSERT, :mod:`lrs.store.statement_rows`); else one SELECT does.
    """
    incoming: dict[str, list[dict[str, Any]]] = {}
    for activity in activities:
        incoming.setdefault(activity["id"], []).append(activity)
    if not incoming:
        return
    if stored is None:
        stored = {
            activity_id: definition
            for activity_id, definition in session.execute(
                select(Activity.activity_id, Activity.definition).where(
                    Activity.tenant_id == tenant_id,
                    any_of(session, Activity.activity_id, list(incoming)),
                )
            )
        }
    rows = []
    for activity_id, versions in incoming.items():
        definition = stored.get(activity_id)
        current = None if definition is None else decode_stored(definition)
        merged = current
        for version in versions:
            merged = merge_activity(merged, version)
        if merged != current:
            rows.append(
                {"tenant_id": tenant_id, "activity_id": activity_id,
                 "definition": encode_storable(merged)}
            )
    if rows:
        # Key order: concurrent batches then lock shared activities in the same order
        # and cannot deadlock each other.
        rows.sort(key=lambda row: row["activity_id"])
        session.execute(_upsert(session, Activity, ("tenant_id", "activity_id"), "definition"),
                        rows)


def _upsert(session: Session, model: Any, keys: tuple[str, ...], column: str) -> Any:
    """INSERT ... ON CONFLICT DO UPDATE, so concurrent batches never collide on the key."""
    statement = dialect_insert(session, model)
    return statement.on_conflict_do_update(
        index_elements=list(keys), set_={column: getattr(statement.excluded, column)}
    )


def canonical_activity(session: Session, tenant_id: int, activity_id: str) -> str:
    """The canonical Activity object as JSON text; a bare one for an unknown id.

    xAPI 2.0 requires an Activity object even when the LRS has no definition.
    """
    stored = session.scalar(select(Activity.definition).where(
        Activity.tenant_id == tenant_id, Activity.activity_id == activity_id
    ))
    return stored or encode_storable({"objectType": "Activity", "id": activity_id})
