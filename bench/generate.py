"""Realistic xAPI statements from a seeded generator: the same seed, the same data set.

Why realistic rather than one statement repeated: query cost depends on the data's
shape (how many statements an agent, a verb or a course matches) and ingest cost on
the statement's size (definitions, results, context activities). The population
mimics an LMS: a few thousand learners (mbox and account identities) enrolled in a
few courses each, ~50 ADL verbs with a skewed frequency, ~2,000 activities with
definitions (interactions for questions), a registration per learner and course,
timestamps spread over a year, and extensions and instructors now and then.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

ADL = "http://adlnet.gov/expapi/verbs/"
ADL_W3ID = "https://w3id.org/xapi/adl/verbs/"
VIDEO = "https://w3id.org/xapi/video/verbs/"
TINCAN = "http://id.tincanapi.com/verb/"
ACTIVITY_TYPES = "http://adlnet.gov/expapi/activities/"
LMS = "https://lms.example.com"

#: ~50 verbs, most frequent first: the weights fall off like a Zipf law, as in real LRSs.
VERB_IDS = [
    ADL + name for name in (
        "experienced", "attempted", "answered", "completed", "progressed", "launched",
        "initialized", "terminated", "passed", "failed", "interacted", "scored", "attended",
        "suspended", "resumed", "commented", "registered", "asked", "responded", "shared",
        "mastered", "exited", "imported", "preferred", "logged-in",
    )
] + [ADL_W3ID + name for name in ("abandoned", "satisfied", "waived", "logged-out")] + [
    VIDEO + name for name in ("played", "paused", "seeked", "completed")
] + [
    TINCAN + name for name in (
        "viewed", "bookmarked", "downloaded", "rated", "liked", "reviewed", "searched",
        "skipped", "submitted", "uploaded", "replied", "started", "focused", "unfocused",
        "enrolled", "earned", "accessed",
    )
]
#: Verbs whose statements carry a scored result.
SCORED_VERBS = {ADL + v for v in ("answered", "passed", "failed", "scored", "completed",
                                  "mastered", "attempted")}
INTERACTION_TYPES = ("choice", "true-false", "fill-in", "numeric", "matching", "sequencing",
                     "likert", "long-fill-in", "other")
ACTIVITY_KINDS = ("module", "lesson", "media", "assessment", "cmi.interaction")
EXTENSION_SESSION = f"{LMS}/xapi/extensions/session-id"
EXTENSION_DEVICE = f"{LMS}/xapi/extensions/device"
YEAR_START = datetime(2024, 1, 1, tzinfo=UTC)
YEAR_SECONDS = 366 * 24 * 3600


@dataclass
class Population:
    """Who and what the statements talk about; queries pick their filters from it."""

    learners: list[dict[str, Any]]
    instructors: list[dict[str, Any]]
    verbs: list[dict[str, Any]]
    courses: list[dict[str, Any]]
    #: Activities of each course (index = course index), with full definitions.
    activities: list[list[dict[str, Any]]]
    #: Course indexes each learner is enrolled in.
    enrolments: list[list[int]]
    registrations: dict[tuple[int, int], str] = field(default_factory=dict)

    def registration(self, learner: int, course: int) -> str:
        """One registration UUID per learner and course (derived, so always the same)."""
        key = (learner, course)
        if key not in self.registrations:
            self.registrations[key] = str(uuid.uuid5(uuid.NAMESPACE_URL,
                                                     f"{LMS}/reg/{learner}/{course}"))
        return self.registrations[key]


def agent_filter(agent: dict[str, Any]) -> str:
    """The ``agent`` query parameter for ``agent`` (its IFI only)."""
    ifi = {k: agent[k] for k in ("mbox", "account") if k in agent}
    return json.dumps(ifi, separators=(",", ":"))


def state_paths(people: Population, count: int) -> list[str]:
    """``count`` "bookmark" state documents, one per learner in one of their courses (as
    a cmi5 AU keeps it), as request paths."""
    paths = []
    for i in range(count):
        learner = i % len(people.learners)
        course = people.courses[people.enrolments[learner][0]]
        query = {
            "activityId": course["id"],
            "agent": agent_filter(people.learners[learner]),
            "stateId": "bookmark",
        }
        paths.append(f"/xapi/activities/state?{urlencode(query)}")
    return paths


def build_population(rng: random.Random, learners: int = 3000, courses: int = 40,
                     activities_per_course: int = 50) -> Population:
    people = [_learner(rng, i) for i in range(learners)]
    instructors = [{"objectType": "Agent", "name": f"Instructor {i}",
                    "mbox": f"mailto:instructor{i}@lms.example.com"} for i in range(25)]
    verbs = [{"id": verb, "display": {"en-US": verb.rsplit("/", 1)[1]}} for verb in VERB_IDS]
    course_objects = [_course(i) for i in range(courses)]
    course_activities = [
        [_activity(rng, c, a) for a in range(activities_per_course)] for c in range(courses)
    ]
    enrolments = [rng.sample(range(courses), k=rng.randint(1, 4)) for _ in range(learners)]
    return Population(people, instructors, verbs, course_objects, course_activities, enrolments)


def _learner(rng: random.Random, i: int) -> dict[str, Any]:
    agent: dict[str, Any] = {"objectType": "Agent"}
    if rng.random() < 0.7:
        agent["name"] = f"Learner {i}"
    if i % 2:
        agent["account"] = {"homePage": LMS, "name": f"learner-{i:05d}"}
    else:
        agent["mbox"] = f"mailto:learner{i}@example.org"
    return agent


def _course(i: int) -> dict[str, Any]:
    return {
        "objectType": "Activity",
        "id": f"{LMS}/courses/c{i:03d}",
        "definition": {
            "type": ACTIVITY_TYPES + "course",
            "name": {"en-US": f"Course {i}", "fr-FR": f"Cours {i}"},
            "description": {"en-US": f"Blended course number {i}"},
        },
    }


def _activity(rng: random.Random, course: int, i: int) -> dict[str, Any]:
    kind = ACTIVITY_KINDS[i % len(ACTIVITY_KINDS)]
    definition: dict[str, Any] = {
        "type": ACTIVITY_TYPES + kind,
        "name": {"en-US": f"{kind.title()} {i} of course {course}"},
        "description": {"en-US": f"Part {i} of the blended course {course}: {kind}."},
    }
    if rng.random() < 0.3:
        definition["name"]["de-DE"] = f"{kind.title()} {i} des Kurses {course}"
    if kind == "cmi.interaction":
        interaction = INTERACTION_TYPES[i % len(INTERACTION_TYPES)]
        definition["interactionType"] = interaction
        if interaction == "choice":
            definition["choices"] = [
                {"id": f"option-{k}", "description": {"en-US": f"Option {k}"}} for k in range(4)
            ]
            definition["correctResponsesPattern"] = ["option-2"]
        elif interaction == "true-false":
            definition["correctResponsesPattern"] = ["true"]
        elif interaction == "numeric":
            definition["correctResponsesPattern"] = ["4[:6]"]
    return {"objectType": "Activity", "id": f"{LMS}/courses/c{course:03d}/a{i:03d}",
            "definition": definition}


class StatementGenerator:
    """Deterministic stream of statements: ``StatementGenerator(seed)`` always yields the same."""

    def __init__(self, seed: int = 42) -> None:
        self.rng = random.Random(seed)
        self.population = build_population(self.rng)
        weights = [1 / (rank + 1) for rank in range(len(VERB_IDS))]
        self._verb_weights = list(_cumulative(weights))

    def statement(self) -> dict[str, Any]:
        rng, people = self.rng, self.population
        learner = rng.randrange(len(people.learners))
        course = rng.choice(people.enrolments[learner])
        activity = rng.choice(people.activities[course])
        verb = rng.choices(people.verbs, cum_weights=self._verb_weights)[0]
        module = people.activities[course][rng.randrange(0, 50, 5)]
        statement: dict[str, Any] = {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "actor": people.learners[learner],
            "verb": verb,
            # Many clients send the definition every time; some only the id.
            "object": activity if rng.random() < 0.7 else {"id": activity["id"]},
            "context": self._context(learner, course, module),
            "timestamp": _timestamp(rng),
        }
        if verb["id"] in SCORED_VERBS or rng.random() < 0.1:
            statement["result"] = _result(rng, verb["id"])
        return statement

    def _context(self, learner: int, course: int, module: dict[str, Any]) -> dict[str, Any]:
        rng, people = self.rng, self.population
        context: dict[str, Any] = {
            "registration": people.registration(learner, course),
            "platform": "Weft bench LMS",
            "language": "en-US",
            "contextActivities": {
                "parent": [{"id": module["id"]}],
                "grouping": [{"id": people.courses[course]["id"]}],
            },
        }
        if rng.random() < 0.3:
            context["contextActivities"]["category"] = [
                {"id": "https://w3id.org/xapi/cmi5/context/categories/moveon"}
            ]
        if rng.random() < 0.1:
            context["instructor"] = people.instructors[course % len(people.instructors)]
        if rng.random() < 0.2:
            context["extensions"] = {
                EXTENSION_SESSION: f"s-{rng.getrandbits(32):08x}",
                EXTENSION_DEVICE: {"kind": rng.choice(("desktop", "tablet", "phone")),
                                   "online": True},
            }
        return context

    def statements(self, count: int) -> Iterator[dict[str, Any]]:
        for _ in range(count):
            yield self.statement()

    def batches(self, count: int, size: int) -> Iterator[tuple[bytes, int]]:
        """``count`` statements as JSON array bodies of ``size`` (the last may be smaller),
        each with its number of statements."""
        while count > 0:
            batch = [self.statement() for _ in range(min(size, count))]
            count -= len(batch)
            yield json.dumps(batch, separators=(",", ":")).encode(), len(batch)


def _result(rng: random.Random, verb_id: str) -> dict[str, Any]:
    scaled = round(rng.random(), 2)
    result: dict[str, Any] = {
        "score": {"scaled": scaled, "raw": round(scaled * 20, 1), "min": 0, "max": 20},
        "success": verb_id != ADL + "failed" and scaled >= 0.5,
        "completion": rng.random() < 0.8,
        "duration": f"PT{rng.randrange(60)}M{rng.randrange(60)}.{rng.randrange(100):02d}S",
    }
    if verb_id == ADL + "answered":
        result["response"] = f"option-{rng.randrange(4)}"
    return result


def _timestamp(rng: random.Random) -> str:
    moment = YEAR_START + timedelta(seconds=rng.randrange(YEAR_SECONDS),
                                    milliseconds=rng.randrange(1000))
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _cumulative(weights: list[float]) -> Iterator[float]:
    total = 0.0
    for weight in weights:
        total += weight
        yield total
