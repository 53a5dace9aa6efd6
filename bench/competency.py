"""``python -m bench.competency``: does incremental competency evaluation keep up with ingest?

For each backend, on a fresh database with only the competency plugin: a framework of
``--competencies`` competencies (areas of 20: one parent rolled up from 19 children),
600 evidence rules (activities, activity types,
programs), a directory of ``--people`` people, and ``--statements`` generated
statements (fixed seed: passed, completed, failed and experienced statements about
courses, quizzes and program modules, some naming a competency themselves, some by
people the directory does not know) stored with ``Host.ingest`` in batches of
``--batch``, as clients' POSTs would. The stored batches wait in the outbox; then the
outbox is drained as ``lrs worker`` does and timed: statements delivered per second
through the competency plugin's ``statements_stored`` handler (evidence, attainments,
roll-up, prerequisites, ``asserted`` statements). Target: at least 2,000 statements/s.
Beside the wall-clock rate, the rate per CPU second (this process, plus the PostgreSQL
server's) tells the cost apart from a machine busy with other work.
Prints one table; progress notes go to stderr, with each round's own rate (wall clock
and per CPU second) beside the cumulative one: the rate at the end of a long run is the
one that says whether evaluation keeps up, and an average hides its fall.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from bench.pyspy import RATE, py_spy, top_table
from bench.server import database, plugin_app
from lrs.process.heap import freeze_startup_objects
from plugins.competency.frameworks import import_package
from plugins.competency.models import Attainment, AttainmentChange, Evidence
from plugins.competency.reading import read_framework
from plugins.competency.rules import save_rule

TARGET = 2_000
VERBS = "http://adlnet.gov/expapi/verbs/"
ASSESSMENT = "http://adlnet.gov/expapi/activities/assessment"
SITE = "https://lms.example.com/"
AUTHORITY = {"objectType": "Agent", "name": "bench", "account": {"homePage": SITE, "name": "b"}}
AREA = 20


def framework(count: int) -> bytes:
    """A CSV framework: areas of :data:`AREA` items, a parent and its children."""
    lines = ["id,parent,statement,code,type"]
    for n in range(count):
        area, place = divmod(n, AREA)
        if place == 0:
            lines.append(f"a{area},,Area {area},A{area},Competency Area")
        else:
            lines.append(f"a{area}-{place},a{area},Skill {area}.{place},A{area}.{place},Competency")
    return ("\n".join(lines) + "\n").encode()


def uri(area: int, place: int | None = None) -> str:
    return f"urn:weft:competency:bench/a{area}" + (f"-{place}" if place else "")


def rules(areas: int, rng: random.Random) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for course in range(500):
        area = course % areas
        found.append(
            {
                "target_kind": "activity",
                "target": f"{SITE}courses/{course}",
                "competencies": [uri(area, rng.randrange(1, AREA)) for _ in range(2)],
                "min_scaled": 0.7 if course % 3 == 0 else None,
                "valid_days": 365 if course % 4 == 0 else None,
            }
        )
    for program in range(50):
        found.append(
            {
                "target_kind": "program",
                "target": f"{SITE}programs/{program}",
                "competencies": [uri((program * 7) % areas, rng.randrange(1, AREA))],
                "weight": 0.5,
            }
        )
    for kind in range(50):
        found.append(
            {
                "target_kind": "activity_type",
                "target": f"{SITE}types/{kind}",
                "competencies": [uri((kind * 11) % areas, rng.randrange(1, AREA))],
            }
        )
    return found


def statements(count: int, people: int, areas: int, seed: int = 11) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    start = datetime.now(UTC) - timedelta(days=400)
    out = []
    for n in range(count):
        person = rng.randrange(int(people * 1.05))  # 5 % unknown to the directory
        roll = rng.random()
        verb = VERBS + (
            "passed"
            if roll < 0.55
            else "completed"
            if roll < 0.75
            else "failed"
            if roll < 0.88
            else "experienced"
        )
        kind = rng.random()
        statement: dict[str, Any] = {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "actor": {"mbox": f"mailto:p{person}@example.com"},
            "verb": {"id": verb},
            "timestamp": (start + timedelta(seconds=n * 400 * 86400 // count)).isoformat(),
            "result": {"score": {"scaled": round(rng.random(), 2)}},
        }
        if kind < 0.6:
            statement["object"] = {"id": f"{SITE}courses/{rng.randrange(500)}"}
        elif kind < 0.8:
            statement["object"] = {"id": f"{SITE}modules/{rng.randrange(2000)}"}
            statement["context"] = {
                "contextActivities": {"parent": [{"id": f"{SITE}programs/{rng.randrange(50)}"}]}
            }
        elif kind < 0.95:
            statement["object"] = {
                "id": f"{SITE}quizzes/{rng.randrange(5000)}",
                "definition": {"type": f"{SITE}types/{rng.randrange(50)}"},
            }
        else:
            statement["object"] = {"id": uri(rng.randrange(areas), rng.randrange(1, AREA))}
        out.append(statement)
    return out


@contextmanager
def profiled(directory: Path | None, name: str) -> Iterator[None]:
    """py-spy records this process while the block runs (nothing without ``directory``):
    ``NAME.collapsed`` (the stacks) and ``NAME.txt`` (:func:`bench.pyspy.top_table`)."""
    if directory is None:
        yield
        return
    directory.mkdir(parents=True, exist_ok=True)
    raw = directory / f"{name}.collapsed"
    recorder = subprocess.Popen(
        [
            *(py_spy(), "record", "--pid", str(os.getpid()), "--rate", str(RATE)),
            *("--function", "--format", "raw", "--output", str(raw)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1)  # py-spy attaches
    try:
        yield
    finally:
        recorder.send_signal(signal.SIGINT)
        recorder.wait(timeout=120)
        (directory / f"{name}.txt").write_text(top_table(raw))
        print(f"  profile of the round: {directory / name}.txt", file=sys.stderr)


def measure(backend: str, args: argparse.Namespace) -> list[str]:
    areas = args.competencies // AREA
    with database(backend, durable=True) as target:
        app = plugin_app(target, "competency")  # this process drains the outbox, timed
        runtime = app.extensions["lrs"]
        host, outbox = runtime.host, runtime.outbox
        print(f"{backend}: framework, rules, {args.people:,} people", file=sys.stderr)
        import_package(
            host, 1, read_framework(framework(args.competencies), "bench.csv"), actor="bench"
        )
        rng = random.Random(5)
        for rule in rules(areas, rng):
            save_rule(host, 1, rule, actor="bench")
        directory = [
            {"employee_id": f"E{n}", "email": f"p{n}@example.com"} for n in range(args.people)
        ]
        assert not host.import_people(1, directory, actor="bench").errors
        if backend == "postgresql":
            with runtime.db.engine.begin() as connection:
                connection.execute(text("ANALYZE"))
        outbox.process_pending(1000)  # the set-up's own events
        generated = statements(args.statements, args.people, areas)
        # As ``lrs worker`` does after start-up; here the generated statements too, which
        # a worker never holds: left in the collector's sight, each full collection walked
        # them all (a tenth of the delivery's CPU at 10,000 statements, more with more).
        freeze_startup_objects()
        delivered = cpu = 0.0
        last_rate = last_cpu_rate = 0.0
        print(
            f"{backend}: {args.statements:,} statements, rounds of {args.round:,}", file=sys.stderr
        )
        for start in range(0, len(generated), args.round):
            for at in range(start, min(start + args.round, len(generated)), args.batch):
                host.ingest(1, generated[at : at + args.batch], authority=AUTHORITY)
            began, began_cpu = time.perf_counter(), time.process_time()
            began_db = target.database_cpu_seconds()
            last = start + args.round >= len(generated)
            with profiled(args.profile if last else None, f"{backend}-last-round"):
                while outbox.process_pending():
                    pass
            took = time.perf_counter() - began
            took_cpu = time.process_time() - began_cpu + target.database_cpu_seconds() - began_db
            delivered += took
            cpu += took_cpu
            done = min(start + args.round, len(generated))
            last_rate, last_cpu_rate = (done - start) / took, (done - start) / took_cpu
            print(
                f"  {done:,} delivered, {done / delivered:,.0f}/s cumulative, "
                f"{last_rate:,.0f}/s this round ({last_cpu_rate:,.0f} per CPU s)",
                file=sys.stderr,
            )
        with host.read() as session:
            counts = [
                session.scalar(select(func.count()).select_from(table))
                for table in (Evidence, Attainment, AttainmentChange)
            ]
            attained = session.scalar(select(func.count()).where(Attainment.state == "attained"))
        runtime.db.engine.dispose()
        rate = args.statements / delivered
        return [
            target.version.split(" (")[0],
            f"{args.statements:,}",
            f"{counts[0]:,}",
            f"{counts[1]:,}",
            f"{attained:,}",
            f"{counts[2]:,}",
            f"{delivered:.1f}",
            f"{cpu:.1f}",
            f"{rate:,.0f}",
            f"{last_rate:,.0f}",
            f"{args.statements / cpu:,.0f}",
            f"{last_cpu_rate:,.0f}",
            "PASS" if rate >= TARGET else "FAIL",
        ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--statements", type=int, default=1_000_000)
    parser.add_argument("--competencies", type=int, default=2_000)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=100, help="statements per stored batch")
    parser.add_argument(
        "--round", type=int, default=20_000, help="statements stored before the outbox is drained"
    )
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--quick", action="store_true", help="20,000 statements")
    parser.add_argument(
        "--profile",
        type=Path,
        help="directory for a py-spy profile (flame graph and top table) of the last round",
    )
    args = parser.parse_args()
    if args.quick:
        args.statements = min(args.statements, 20_000)
    header = [
        "backend",
        "statements",
        "evidence",
        "attainments",
        "attained",
        "changes",
        "deliver s",
        "CPU s",
        "statements/s",
        "last round /s",
        "per CPU s",
        "last round per CPU s",
        f">= {TARGET:,}/s",
    ]
    rows = [measure(b, args) for b in args.backends.split(",")]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
