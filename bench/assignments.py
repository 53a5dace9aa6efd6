"""``python -m bench.assignments``: a compliance report over a large workforce.

For each backend, on a fresh database: ``--people`` people in the directory (imported
as ``lrs people import`` does), a rule group of all of them, an annual program of
``--activities`` activities assigned to the group, and ``--statements`` statements
about those activities (completions, launches; a tenth by strangers) stored through
the same path as ``POST statements``. Then the statuses of everyone as
``lrs assignments status`` and ``lrs audit report`` compute them. Prints one table;
progress notes go to stderr.
"""

from __future__ import annotations

import argparse
import random
import sys
import uuid
from collections import Counter
from datetime import date

from bench.people import people_csv, timed
from bench.server import SECRET_KEY, database
from lrs.app import create_app
from lrs.services.groups import create_group
from lrs.services.people import import_people, parse_people_csv
from lrs.settings import Settings

VERBS = ("completed", "passed", "launched", "attempted")
AUTHORITY = {"objectType": "Agent", "account": {"homePage": "https://bench", "name": "bench"}}


def measure(backend: str, people: int, activities: int, statements: int) -> list[str]:
    with database(backend, durable=True) as target:
        app = create_app(Settings.from_env({}, database_url=target.url, secret_key=SECRET_KEY,
                                           disabled_plugins="audit", auto_migrate=True))
        runtime, host = app.extensions["lrs"], app.extensions["lrs"].host
        records, _ = parse_people_csv(people_csv(people))
        print(f"{backend}: importing {people:,} people", file=sys.stderr)
        import_people(runtime, records, actor="bench")
        create_group(runtime, actor="bench", name="Everyone", rule="active = true")
        iris = [f"https://example.com/courses/c{n}" for n in range(activities)]
        host.create_assignment(1, {"group": "Everyone", "activities": iris,
                                   "due": "2026-06-30", "every_months": 12}, actor="bench")
        print(f"{backend}: storing {statements:,} statements", file=sys.stderr)
        rng = random.Random(7)
        for start in range(0, statements, 1000):
            host.ingest(1, [{
                "id": str(uuid.UUID(int=rng.getrandbits(128))),
                "actor": {"mbox": f"mailto:{'p' if rng.random() > 0.1 else 'stranger'}"
                                  f"{rng.randrange(people)}@example.com"},
                "verb": {"id": f"http://adlnet.gov/expapi/verbs/{rng.choice(VERBS)}"},
                "object": {"id": rng.choice(iris)},
                "timestamp": f"2026-{rng.randint(1, 6):02d}-{rng.randint(1, 28):02d}T10:00:00Z",
            } for _ in range(min(1000, statements - start))], authority=AUTHORITY)
        print(f"{backend}: computing statuses", file=sys.stderr)
        found, report_s = timed(lambda: host.assignment_statuses(1, date(2026, 6, 20)))
        runtime.db.engine.dispose()
        counts = Counter(status.status for status in found)
        return [target.version.split(" (")[0], f"{people:,}", f"{activities}",
                f"{statements:,}", f"{report_s:.2f}", f"{len(found) / report_s:,.0f}",
                ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--activities", type=int, default=3, help="activities of the program")
    parser.add_argument("--statements", type=int, default=100_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    header = ["backend", "people", "activities", "statements", "statuses s", "people/s",
              "statuses"]
    rows = [measure(b, args.people, args.activities, args.statements)
            for b in args.backends.split(",")]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
