"""Moodle completions as xAPI statements, with ids that depend only on what happened.

A statement's id is a UUID 5 of (site, Moodle user id, course or activity,
time completed): reading the same completion again, in this run or a later one,
gives the same id, and the connector stores only ids not stored yet. A completion
that was reset and earned again has a new time, hence a new statement.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

#: The namespace of the statement ids (fixed: changing it would store everything again).
NAMESPACE = uuid.UUID("4d2b7b5e-6f0e-5c4c-9a51-2f3d0d7a9c11")
COMPLETED = {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}}
COURSE = "http://adlnet.gov/expapi/activities/course"
MODULE = "http://adlnet.gov/expapi/activities/module"
#: Activity completion states (``core_completion_get_activities_completion_status``):
#: 1 complete, 2 complete and passed, 3 complete and failed; 0 is incomplete.
_SUCCESS = {1: None, 2: True, 3: False}
#: Course completion aggregation: 1 all criteria, 2 any criterion.
_ANY = 2


def statement_id(site: str, user_id: int, what: str, timecompleted: int) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{site}|{user_id}|{what}|{timecompleted}"))


def actor(
    site: str, user: dict[str, Any], *, identify_by: str, account_name: str
) -> dict[str, Any]:
    """The learner: their email when asked for and Moodle gives it, else their account
    on the site (an Agent has exactly one identifier)."""
    agent: dict[str, Any] = {"objectType": "Agent"}
    if user.get("fullname"):
        agent["name"] = user["fullname"]
    email = (user.get("email") or "").strip()
    if identify_by == "email" and email:
        agent["mbox"] = f"mailto:{email}"
    else:
        agent["account"] = {"homePage": site, "name": str(user[account_name])}
    return agent


def course_url(site: str, course_id: int) -> str:
    return f"{site}/course/view.php?id={course_id}"


def course_completion(
    site: str,
    course: dict[str, Any],
    user: dict[str, Any],
    status: dict[str, Any],
    agent: dict[str, Any],
) -> dict[str, Any] | None:
    """The statement of a completed course, ``None`` when it is not complete.

    The answer gives each criterion's completion time, not the course's: the
    course was completed when its last criterion was met (aggregation "all"), or
    its first (aggregation "any").
    """
    if not status.get("completed"):
        return None
    times = [
        c.get("timecompleted") or 0 for c in status.get("completions") or [] if c.get("complete")
    ]
    times = [t for t in times if t] or [0]
    completed = min(times) if status.get("aggregation") == _ANY else max(times)
    return _statement(
        site,
        user,
        agent,
        f"course:{course['id']}",
        completed,
        {
            "objectType": "Activity",
            "id": course_url(site, course["id"]),
            "definition": {
                "type": COURSE,
                "name": {
                    "und": course.get("fullname") or course.get("shortname") or str(course["id"])
                },
            },
        },
        {"completion": True},
    )


def activity_completions(
    site: str,
    course: dict[str, Any],
    user: dict[str, Any],
    statuses: list[dict[str, Any]],
    agent: dict[str, Any],
) -> list[dict[str, Any]]:
    """The statements of the completed activities among ``statuses``."""
    found = []
    for status in statuses:
        state = status.get("state")
        if state not in _SUCCESS:
            continue
        result: dict[str, Any] = {"completion": True}
        if _SUCCESS[state] is not None:
            result["success"] = _SUCCESS[state]
        statement = _statement(
            site,
            user,
            agent,
            f"cm:{status['cmid']}",
            status.get("timecompleted") or 0,
            {
                "objectType": "Activity",
                "id": f"{site}/mod/{status.get('modname') or 'view'}/view.php?id={status['cmid']}",
                "definition": {"type": MODULE},
            },
            result,
        )
        statement["context"]["contextActivities"] = {
            "parent": [{"objectType": "Activity", "id": course_url(site, course["id"])}]
        }
        found.append(statement)
    return found


def _statement(
    site: str,
    user: dict[str, Any],
    agent: dict[str, Any],
    what: str,
    timecompleted: int,
    activity: dict[str, Any],
    result: dict[str, Any],
) -> dict[str, Any]:
    statement = {
        "id": statement_id(site, user["id"], what, timecompleted),
        "actor": agent,
        "verb": COMPLETED,
        "object": activity,
        "result": result,
        "context": {"platform": "Moodle"},
    }
    if timecompleted:
        statement["timestamp"] = (
            datetime.fromtimestamp(timecompleted, UTC).isoformat().replace("+00:00", "Z")
        )
    return statement
