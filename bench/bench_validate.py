"""Micro-benchmark of statement validation, the first step of every statement write.

Run from the repository root: ``python -m bench.bench_validate``. Prints the cost
per statement of a realistic statement validated alone and in a batch of 100,
for both xAPI versions. The ingest target (5,000 statements/s on 2 cores) leaves
about 400 µs per statement for everything, so validation should stay well under.
"""

from __future__ import annotations

import timeit
import uuid

from lrs.xapi.validate import validate_statements
from lrs.xapi.versions import XapiVersion


def realistic_statement() -> dict:
    """An LMS-style statement: mbox actor, verb display, activity with definition,
    scored result, context with registration and context activities, timestamp."""
    return {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "name": "Ada Lovelace",
                  "mbox": "mailto:ada@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered",
                 "display": {"en-US": "answered", "fr-FR": "a répondu"}},
        "object": {
            "objectType": "Activity",
            "id": "http://example.com/courses/algebra/quiz-1/question-3",
            "definition": {
                "name": {"en-US": "Question 3"},
                "description": {"en-US": "Which of these is a prime number?"},
                "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                "interactionType": "choice",
                "correctResponsesPattern": ["seven"],
                "choices": [{"id": "four", "description": {"en-US": "4"}},
                            {"id": "seven", "description": {"en-US": "7"}}],
            },
        },
        "result": {"score": {"scaled": 0.8, "raw": 8, "min": 0, "max": 10},
                   "success": True, "completion": True, "response": "seven",
                   "duration": "PT1M30.5S"},
        "context": {
            "registration": str(uuid.uuid4()),
            "platform": "Weft LMS",
            "language": "en-US",
            "contextActivities": {
                "parent": [{"id": "http://example.com/courses/algebra/quiz-1"}],
                "grouping": [{"id": "http://example.com/courses/algebra"}],
                "category": {"id": "http://example.com/profiles/lms"},
            },
            "extensions": {"http://example.com/ext/attempt": 2},
        },
        "timestamp": "2024-05-04T12:00:00.123+02:00",
    }


def per_statement_us(payload: object, version: XapiVersion, count: int) -> float:
    """Best of 5 runs, in microseconds per statement."""
    runs = timeit.repeat(lambda: validate_statements(payload, version), number=20, repeat=5)
    return min(runs) / 20 / count * 1e6


def main() -> None:
    single = realistic_statement()
    batch = [realistic_statement() for _ in range(100)]
    print(f"{'version':<8} {'payload':<12} {'µs/statement':>13} {'statements/s':>13}")
    for version in XapiVersion:
        for label, payload, count in (("single", single, 1), ("batch x100", batch, 100)):
            micros = per_statement_us(payload, version, count)
            print(f"{version.value:<8} {label:<12} {micros:>13.1f} {1e6 / micros:>13,.0f}")


if __name__ == "__main__":
    main()
