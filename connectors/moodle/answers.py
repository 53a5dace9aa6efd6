"""Moodle's answers held to the shapes its web services document, before anything is
built from them.

A value of another type (an email that is a number, a completion status that is a
list, a completion time past the year 9999 or that is text) used to surface deep in
the statement builder as ``AttributeError``, ``TypeError`` or ``OverflowError``:
the run's error then named a Python exception, not what Moodle answered. Each
check here raises :class:`MoodleError` naming the function, the field and the
course and learner it was about, as the check of ids has always done.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from connectors.moodle.client import MoodleError
from lrs.plugin.connectors import storable
from lrs.plugin.remote import quoted

COURSES = "core_course_get_courses"
LEARNERS = "core_enrol_get_enrolled_users"
COURSE_STATUS = "core_completion_get_course_completion_status"
ACTIVITY_STATUS = "core_completion_get_activities_completion_status"
#: Fields that are Moodle's ids: whole numbers, compared and stepped through in order.
_IDS = frozenset({"id", "cmid"})
#: A module's name (``quiz``, ``assign``): part of the activity's IRI.
_MODULE = re.compile(r"[a-z][a-z0-9_]*")


def objects(function: str, answer: Any, keys: tuple[str, ...]) -> list[dict[str, Any]]:
    """``answer`` when it is a list of objects having ``keys``.

    :raises MoodleError: it is not (a proxy's page, a newer Moodle, a token not allowed
        to see a field).
    """
    if isinstance(answer, list) and all(
        isinstance(item, dict) and all(_has(item, key) for key in keys) for item in answer
    ):
        return answer
    raise MoodleError(
        f"Moodle {function}: expected a list of objects with "
        f"{', '.join(keys)} (ids as whole numbers), got {_shown(answer)}"
    )


def texts(function: str, item: dict[str, Any], where: str, names: tuple[str, ...]) -> None:
    """Each field of ``names`` in ``item`` is text or absent (``null``): statements
    carry them as names and identifiers.

    :raises MoodleError: one is of another type (an email that is a number).
    """
    for name in names:
        value = item.get(name)
        if value is not None and not isinstance(value, str):
            raise _wrong(function, name, where, "is not text", value)


def unstorable(item: dict[str, Any], names: tuple[str, ...]) -> str | None:
    """The first field of ``names`` holding NUL or a lone surrogate, which no database
    stores (``host.ingest`` refuses the statement), with its value quoted."""
    for name in names:
        value = item.get(name)
        if isinstance(value, str) and not storable(value):
            return f"{name} {quoted(repr(value), 80)}"
    return None


def course_status(answer: Any, course_id: int, user_id: int) -> dict[str, Any]:
    """The ``completionstatus`` of a course completion answer, its criteria checked:
    a list of objects whose completed ones have a time Weft can store.

    :raises MoodleError: another shape.
    """
    where = f"user {user_id} in course {course_id}"
    if not isinstance(answer, dict):
        raise _wrong(COURSE_STATUS, "the answer", where, "is not an object", answer)
    status = answer.get("completionstatus") or {}
    if not isinstance(status, dict):
        raise _wrong(COURSE_STATUS, "completionstatus", where, "is not an object", status)
    criteria = status.get("completions") or []
    if not isinstance(criteria, list) or not all(isinstance(c, dict) for c in criteria):
        raise _wrong(COURSE_STATUS, "completionstatus.completions", where,
                     "is not a list of objects", criteria)
    for criterion in criteria:
        if criterion.get("complete"):
            time_completed(COURSE_STATUS, criterion.get("timecompleted"), where)
    return status


def activity_statuses(answer: Any, course_id: int, user_id: int) -> list[dict[str, Any]]:
    """The ``statuses`` of an activities completion answer (or the answer itself when
    it is the list), each with a whole-number ``state``, a module name that can be part
    of an IRI and, when complete, a time Weft can store.

    :raises MoodleError: another shape.
    """
    statuses = (answer or {}).get("statuses") if isinstance(answer, dict) else answer
    statuses = objects(ACTIVITY_STATUS, statuses or [], ("cmid", "state"))
    for status in statuses:
        where = f"activity {status['cmid']} of user {user_id} in course {course_id}"
        state, module = status["state"], status.get("modname")
        if not isinstance(state, int) or isinstance(state, bool):
            raise _wrong(ACTIVITY_STATUS, "state", where, "is not a whole number", state)
        if module is not None and not (isinstance(module, str) and _MODULE.fullmatch(module)):
            raise _wrong(ACTIVITY_STATUS, "modname", where,
                         "is not a module name (lowercase letters, digits, _)", module)
        if state:
            time_completed(ACTIVITY_STATUS, status.get("timecompleted"), where)
    return statuses


def time_completed(function: str, value: Any, where: str) -> None:
    """``value`` is no time (``null``, ``0``) or a Unix time a timestamp can show.

    :raises MoodleError: text, a fraction, or a time before the year 1 or after
        9999 (``datetime`` overflows).
    """
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool):
        raise _wrong(function, "timecompleted", where,
                     "is not a whole number of seconds since 1970", value)
    try:
        datetime.fromtimestamp(value, UTC)
    except (OverflowError, ValueError, OSError):
        raise _wrong(function, "timecompleted", where,
                     "is not a time between the years 1 and 9999", value) from None


def _wrong(function: str, field: str, where: str, problem: str, value: Any) -> MoodleError:
    return MoodleError(f"Moodle {function}: {field} of {where} {problem} (got {_shown(value)})")


def _shown(value: Any) -> str:
    """``value`` as JSON, quoted and short (it may be a whole answer)."""
    return quoted(json.dumps(value), 100)


def _has(item: dict[str, Any], key: str) -> bool:
    if key not in item:
        return False
    value = item[key]
    return key not in _IDS or (isinstance(value, int) and not isinstance(value, bool))
