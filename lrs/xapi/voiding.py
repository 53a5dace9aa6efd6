"""Voiding and StatementRefs: which statement a statement points at, and whether it voids it.

Pure xAPI rules (Data 2.3.2, "Voided"), shared by validation, the store's
voiding and the erasure of a person, so that all three agree on what voids.
"""

from __future__ import annotations

from typing import Any

#: The verb that voids the statement a StatementRef object names.
VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"


def statement_ref_target(statement: dict[str, Any]) -> str | None:
    """The id a StatementRef object points at (voiding statements included)."""
    obj = statement.get("object")
    if isinstance(obj, dict) and obj.get("objectType") == "StatementRef":
        return str(obj.get("id", "")).lower() or None
    return None


def is_voiding(statement: dict[str, Any]) -> bool:
    verb = statement.get("verb")
    return (
        isinstance(verb, dict)
        and verb.get("id") == VOIDED_VERB
        and statement_ref_target(statement) is not None
    )
