"""A Moodle site's REST web services, as documented, for the ``moodle`` connector's tests.

``/webservice/rest/server.php`` with ``wstoken``, ``wsfunction`` and
``moodlewsrestformat=json`` (query or POST body), answering
``core_course_get_courses``, ``core_enrol_get_enrolled_users`` (``options``:
``withcapability``, ``limitfrom``, ``limitnumber``),
``core_completion_get_course_completion_status`` and
``core_completion_get_activities_completion_status`` in Moodle's shapes, and
refusing as Moodle does: HTTP 200 with ``{"exception", "errorcode", "message"}``.
Tests queue failures for the next call of a function with :meth:`FakeMoodle.fail`.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from tests.connectors.loopback import Reply, Request

TOKEN = "0123456789abcdef0123456789abcdef"
T1, T2, T3, T4, T5 = 1767225600, 1767312000, 1767398400, 1767484800, 1767571200

COURSES = [
    {
        "id": 1,
        "shortname": "site",
        "fullname": "Acme Academy",
        "format": "site",
        "enablecompletion": 0,
    },
    {"id": 3, "shortname": "ETH", "fullname": "Ethics", "format": "topics", "enablecompletion": 1},
    {
        "id": 2,
        "shortname": "SAFE",
        "fullname": "Safety at work",
        "format": "topics",
        "enablecompletion": 1,
    },
    {
        "id": 4,
        "shortname": "OLD",
        "fullname": "Untracked",
        "format": "topics",
        "enablecompletion": 0,
    },
]
USERS = {
    10: {"id": 10, "username": "ada", "fullname": "Ada Lovelace", "email": "ada@example.com"},
    11: {"id": 11, "username": "grace", "fullname": "Grace Hopper"},  # email hidden
    12: {"id": 12, "username": "teacher", "fullname": "Tess Teacher", "email": "tess@example.com"},
    13: {"id": 13, "username": "alan", "fullname": "Alan Turing", "email": "alan@example.com"},
}
#: Course id -> (students, teachers).
ENROLLED = {2: ([10, 11, 13], [12]), 3: ([10, 11, 13], [12]), 4: ([10], [])}


def criteria(*times: int) -> list[dict[str, Any]]:
    return [
        {
            "type": 4,
            "title": f"Activity {n}",
            "status": "Yes" if t else "No",
            "complete": bool(t),
            "timecompleted": t or None,
            "details": {
                "type": "Activity completion",
                "criteria": "Quiz",
                "requirement": "Marking yourself complete",
                "status": "",
            },
        }
        for n, t in enumerate(times)
    ]


#: (course, user) -> completionstatus; courses absent here have no criteria.
COURSE_STATUS = {
    (2, 10): {"completed": True, "aggregation": 1, "completions": criteria(T1, T2)},
    (2, 11): {"completed": True, "aggregation": 2, "completions": criteria(T4, T3)},
    (2, 13): {"completed": False, "aggregation": 1, "completions": criteria(T1, 0)},
}


def cm(cmid: int, modname: str, state: int, timecompleted: int) -> dict[str, Any]:
    return {
        "cmid": cmid,
        "modname": modname,
        "instance": cmid * 10,
        "state": state,
        "timecompleted": timecompleted,
        "tracking": 1,
        "overrideby": None,
        "valueused": False,
        "hascompletion": True,
        "isautomatic": True,
        "istrackeduser": True,
        "uservisible": True,
        "details": [],
    }


ACTIVITIES = {
    (2, 10): [cm(21, "quiz", 2, T1), cm(22, "page", 0, 0), cm(23, "assign", 3, T2)],
    (2, 11): [cm(21, "quiz", 0, 0)],
    (3, 11): [cm(31, "resource", 1, 0)],
}


def exception(errorcode: str, message: str, kind: str = "moodle_exception") -> Reply:
    return Reply(
        200, json.dumps({"exception": kind, "errorcode": errorcode, "message": message}).encode()
    )


@dataclass
class FakeMoodle:
    token: str = TOKEN
    #: (function, params) of every call, in order.
    calls: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    #: function -> replies for its next calls (then it answers normally again).
    failures: dict[str, list[Reply]] = field(default_factory=dict)
    #: Set by a call of ``hold_function`` (after ``hold_after`` such calls), which
    #: then waits for :attr:`release` (a worker killed mid-run).
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    hold_function: str | None = None
    hold_after: int = 0

    def fail(self, function: str, *replies: Reply) -> None:
        self.failures.setdefault(function, []).extend(replies)

    def called(self, function: str) -> list[dict[str, str]]:
        return [params for name, params in self.calls if name == function]

    def answer(self, request: Request) -> Reply:
        params = request.params
        if request.path != "/webservice/rest/server.php":
            return Reply(404, b"<html>Not found</html>", "text/html")
        if params.get("wstoken") != self.token:
            return exception("invalidtoken", "Invalid token - token not found")
        function = params.get("wsfunction", "")
        self.calls.append((function, params))
        if function == self.hold_function and len(self.called(function)) > self.hold_after:
            self.held.set()
            self.release.wait(30)
        if self.failures.get(function):
            return self.failures[function].pop(0)
        handler = getattr(self, function, None)
        if handler is None:
            return exception(
                "invalidrecord",
                "Can't find data record in database table external_functions.",
                "dml_missing_record_exception",
            )
        return Reply(200, json.dumps(handler(params)).encode())

    def core_course_get_courses(self, params: dict[str, str]) -> Any:
        ids = {int(v) for k, v in params.items() if re.fullmatch(r"options\[ids\]\[\d+\]", k)}
        return [c for c in COURSES if not ids or c["id"] in ids]

    def core_enrol_get_enrolled_users(self, params: dict[str, str]) -> Any:
        options = {
            params[f"options[{n}][name]"]: params[f"options[{n}][value]"]
            for n in range(20)
            if f"options[{n}][name]" in params
        }
        students, teachers = ENROLLED[int(params["courseid"])]
        ids = sorted(
            students
            if options.get("withcapability") == "moodle/course:isincompletionreports"
            else students + teachers
        )
        start = int(options.get("limitfrom", 0))
        count = int(options.get("limitnumber", 0)) or len(ids)
        return [USERS[i] for i in ids[start : start + count]]

    def core_completion_get_course_completion_status(self, params: dict[str, str]) -> Any:
        course, user = int(params["courseid"]), int(params["userid"])
        if user not in ENROLLED[course][0]:
            return _raise("usernotenroled", "User is not enrolled in this course")
        if (course, user) not in COURSE_STATUS:
            return _raise("nocriteriaset", "No completion criteria set for this course")
        return {"completionstatus": COURSE_STATUS[course, user], "warnings": []}

    def core_completion_get_activities_completion_status(self, params: dict[str, str]) -> Any:
        course, user = int(params["courseid"]), int(params["userid"])
        return {"statuses": ACTIVITIES.get((course, user), []), "warnings": []}


def _raise(errorcode: str, message: str) -> dict[str, str]:
    return {"exception": "moodle_exception", "errorcode": errorcode, "message": message}
