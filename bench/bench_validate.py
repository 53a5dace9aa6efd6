"""Micro-benchmark of statement validation, the first step of every statement write.

Run from the repository root: ``python -m bench.bench_validate``. Prints the cost
per statement of a realistic statement validated alone and in a batch of 100,
for both xAPI versions, in CPU time (``time.process_time``: on a shared machine
other processes inflate wall-clock time far more). The batch target of issue 17
(about 6,000 statements/s on 2 cores, everything included) leaves validation
about 10 µs a statement.

``--against DIR`` compares with another checkout (``git archive main | tar -x -C
DIR``): both are measured in subprocesses, alternately, ``--rounds`` times, and the
best of each is printed with their ratio, so that a machine whose speed drifts
affects both alike.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import timeit
import uuid
from pathlib import Path

from lrs.xapi.validate import validate_statements
from lrs.xapi.versions import XapiVersion


def realistic_statement() -> dict:
    """An LMS-style statement: mbox actor, verb display, activity with definition,
    scored result, context with registration and context activities, timestamp."""
    return {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "name": "Ada Lovelace", "mbox": "mailto:ada@example.com"},
        "verb": {
            "id": "http://adlnet.gov/expapi/verbs/answered",
            "display": {"en-US": "answered", "fr-FR": "a répondu"},
        },
        "object": {
            "objectType": "Activity",
            "id": "http://example.com/courses/algebra/quiz-1/question-3",
            "definition": {
                "name": {"en-US": "Question 3"},
                "description": {"en-US": "Which of these is a prime number?"},
                "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                "interactionType": "choice",
                "correctResponsesPattern": ["seven"],
                "choices": [
                    {"id": "four", "description": {"en-US": "4"}},
                    {"id": "seven", "description": {"en-US": "7"}},
                ],
            },
        },
        "result": {
            "score": {"scaled": 0.8, "raw": 8, "min": 0, "max": 10},
            "success": True,
            "completion": True,
            "response": "seven",
            "duration": "PT1M30.5S",
        },
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
    """Best of 7 runs, in CPU microseconds per statement."""
    number = max(1, 500 // count)
    runs = timeit.repeat(
        lambda: validate_statements(payload, version),
        number=number,
        repeat=7,
        timer=time.process_time,
    )
    return min(runs) / number / count * 1e6


def measure() -> dict[str, float]:
    """``{"<version> <payload>": µs per statement}``."""
    single = realistic_statement()
    batch = [realistic_statement() for _ in range(100)]
    return {
        f"{version.value} {label}": per_statement_us(payload, version, count)
        for version in XapiVersion
        for label, payload, count in (("single", single, 1), ("batch x100", batch, 100))
    }


def _measure_in(checkout: Path) -> dict[str, float]:
    """:func:`measure` (this file's) in a subprocess importing ``lrs`` from ``checkout``."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    out = subprocess.run(
        [sys.executable, __file__, "--measure"],
        cwd=checkout,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--against",
        type=Path,
        metavar="DIR",
        help="another checkout to compare with, measured alternately",
    )
    parser.add_argument("--rounds", type=int, default=3, help="alternations with --against")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:  # one side of --against
        print(json.dumps(measure()))
        return
    if args.against is None:
        print(f"{'version':<8} {'payload':<12} {'µs/statement':>13} {'statements/s':>13}")
        for name, micros in measure().items():
            version, label = name.split(" ", 1)
            print(f"{version:<8} {label:<12} {micros:>13.1f} {1e6 / micros:>13,.0f}")
        return
    here = Path(__file__).resolve().parent.parent
    best: dict[str, dict[str, float]] = {"this": {}, "against": {}}
    for _ in range(args.rounds):
        for side, checkout in (("against", args.against.resolve()), ("this", here)):
            for name, micros in _measure_in(checkout).items():
                best[side][name] = min(micros, best[side].get(name, micros))
    print(
        f"CPU µs per statement, best of {args.rounds} alternating rounds; against = {args.against}"
    )
    print(f"{'version':<8} {'payload':<12} {'against':>9} {'this':>9} {'speed-up':>9}")
    for name, micros in best["this"].items():
        version, label = name.split(" ", 1)
        before = best["against"][name]
        print(f"{version:<8} {label:<12} {before:>9.1f} {micros:>9.1f} {before / micros:>8.1f}x")


if __name__ == "__main__":
    main()
