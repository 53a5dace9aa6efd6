"""``python -m bench.people``: the people directory at the scale of a large employer.

For each backend, on a fresh database: parse and import ``--people`` people from a
CSV file (as ``lrs people import`` does), import the same file again (every person
unchanged), then resolve ``--agents`` statement actors to people through
``host.resolve_people`` in batches, as a report or an attendance import does. Prints
one table; progress notes go to stderr.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.server import SECRET_KEY, database
from lrs.app import create_app
from lrs.services.people import import_people, parse_people_csv
from lrs.settings import Settings

HEADER = "employee_id,display_name,email,aliases,accounts,department,manager,hire_date\n"


def people_csv(count: int) -> str:
    rows = (f"E{n},Person {n},p{n}@example.com,p{n}.alt@example.org,"
            f"https://lms.example.com|u{n},Dept {n % 40},E{n // 10},2026-01-{1 + n % 28:02d}\n"
            for n in range(count))
    return HEADER + "".join(rows)


def timed(work: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = work()
    return result, time.perf_counter() - started


def measure(backend: str, people: int, agents: int, batch: int) -> list[str]:
    with database(backend, durable=True) as target:
        app = create_app(Settings.from_env({}, database_url=target.url, secret_key=SECRET_KEY,
                                           disabled_plugins="audit", auto_migrate=True))
        runtime = app.extensions["lrs"]
        text = people_csv(people)
        (records, errors), parse_s = timed(lambda: parse_people_csv(text))
        assert not errors, errors[:3]
        print(f"{backend}: importing {people:,} people", file=sys.stderr)
        first, import_s = timed(lambda: import_people(runtime, records, actor="bench"))
        again, reimport_s = timed(lambda: import_people(runtime, records, actor="bench"))
        assert first.created == people and again.unchanged == people
        rng = random.Random(7)
        kinds = (lambda n: {"mbox": f"mailto:p{n}@example.com"},
                 lambda n: {"account": {"homePage": "https://lms.example.com", "name": f"u{n}"}},
                 lambda n: {"mbox": f"mailto:stranger{n}@example.com"})
        print(f"{backend}: resolving {agents:,} agents", file=sys.stderr)
        resolved = 0
        started = time.perf_counter()
        for _ in range(agents // batch):
            wanted = [rng.choice(kinds)(rng.randrange(people)) for _ in range(batch)]
            resolved += sum(p is not None for p in runtime.host.resolve_people(1, wanted))
        resolve_s = time.perf_counter() - started
        runtime.db.engine.dispose()
        return [target.version.split(" (")[0], f"{people:,}", f"{parse_s:.1f}",
                f"{import_s:.1f}", f"{people / import_s:,.0f}", f"{reimport_s:.1f}",
                f"{agents:,}", f"{agents / resolve_s:,.0f}", f"{resolved / agents:.0%}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--agents", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=1000, help="agents per resolve_people call")
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    header = ["backend", "people", "parse s", "import s", "people/s", "re-import s",
              "agents", "agents resolved/s", "known"]
    rows = [measure(b, args.people, args.agents, args.batch) for b in args.backends.split(",")]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
