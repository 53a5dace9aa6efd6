"""``python -m bench.kpi_warnings``: the early warning's cost, while ingesting and when evaluating.

For each backend, on a fresh database with only the kpi plugin: a directory of
``--people`` people with managers (the first half in group "Pilot", the rest in
"Control"), a group assignment each (a course and two modules, due in the last week
of the 13 weeks), then ``--statements`` generated statements (those of
``bench.kpi``: module views, scored attempts, completions, ``attended`` sessions
over 13 weeks, fixed seed) stored with ``host.ingest`` in batches of 500, the
outbox delivered after every 20 batches as ``lrs worker`` would. Automatic
evaluations are off (``LRS_PLUGIN_KPI_WARNINGS_EVALUATE_SECONDS=0``, the KPIs'
throttle a day) so that each cost is measured on its own:

- **delivery s**: the time the deliveries took, all of the kpi plugin's incremental
  work (rollups and the early-warning feed), and **delivery statements/s**, which must
  reach the 2,000 statements/s of ingest (issue 21); **per CPU s** divides by the CPU
  time of this process plus the PostgreSQL server's instead, which a machine busy with
  other work does not inflate;
- **facts s**: the part of it the early-warning feed spent (resolving the batches'
  actors to people, writing the days active and the results), and the statements/s
  that makes;
- **evaluate s**: a full evaluation of the five rules as of the last day (the
  assignment statuses of every assigned person, the facts snapshot, the findings,
  the flags opened with their notifications), then a second one as of the same day
  (what the throttled evaluation after batches costs once flags exist: mostly
  unchanged). The snapshot (statuses and facts) and the findings are also timed on
  their own.

Prints one table; progress notes go to stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from sqlalchemy import text

from bench.kpi import BASE, DELIVER_EVERY, statements
from bench.server import database, plugin_app
from lrs.plugin.testing import AUTHORITY, deliver
from lrs.services.groups import add_members, create_group
from plugins.kpi import warning_facts
from plugins.kpi.warning_engine import findings
from plugins.kpi.warning_flags import evaluate
from plugins.kpi.warning_rules import rule_configs

TARGET_RATE = 2_000
AS_OF = date(2026, 11, 29)  # the 13 weeks' last day
DUE = "2026-12-04"  # due soon and not done for many: the rules have work to do


class Timer:
    """Seconds spent inside the wrapped functions."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def wrap(self, function: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started

        return timed


def _timed_delivery(app: Any, target: Any) -> tuple[float, float]:
    """Deliver the outbox; the seconds it took and the CPU seconds it used (this
    process and the PostgreSQL server)."""
    started, cpu, database_cpu = (
        time.perf_counter(),
        time.process_time(),
        target.database_cpu_seconds(),
    )
    deliver(app)
    return time.perf_counter() - started, (
        time.process_time() - cpu + target.database_cpu_seconds() - database_cpu
    )


def measure(backend: str, people: int, count: int) -> list[str]:
    os.environ["LRS_PLUGIN_KPI_WARNINGS_EVALUATE_SECONDS"] = "0"
    os.environ["LRS_PLUGIN_KPI_EVALUATE_SECONDS"] = "86400"
    timer = Timer()
    feed = warning_facts.Feed
    add, flush = feed.add, feed._flush
    feed.add, feed._flush = timer.wrap(add), timer.wrap(flush)  # type: ignore[method-assign]
    try:
        with database(backend, durable=True) as target:
            return _measure(backend, target, people, count, timer)
    finally:
        feed.add, feed._flush = add, flush  # type: ignore[method-assign]


def _measure(backend: str, target: Any, people: int, count: int, timer: Timer) -> list[str]:
    app = plugin_app(target, "kpi")
    core = app.extensions["lrs"]
    host = core.host
    print(f"{backend}: a directory of {people:,} people", file=sys.stderr)
    directory = [
        {"employee_id": f"E{n}", "email": f"p{n}@example.com", "manager": f"M{n % 200}"}
        for n in range(people)
    ]
    assert not host.import_people(1, directory, actor="bench").errors
    for index, (name, members) in enumerate(
        (("Pilot", range(people // 2)), ("Control", range(people // 2, people)))
    ):
        create_group(core, actor="bench", name=name)
        add_members(core, actor="bench", name=name, employee_ids=[f"E{n}" for n in members])
        activities = [BASE + f"courses/{index}", BASE + "modules/0", BASE + f"modules/{index + 1}"]
        host.create_assignment(
            1, {"group": name, "activities": activities, "due": DUE}, actor="bench"
        )
    deliver(app)
    ingest_s = deliver_s = deliver_cpu = 0.0
    done = 0
    timer.seconds = 0.0
    for index, batch in enumerate(statements(count, people)):
        started = time.perf_counter()
        host.ingest(1, batch, authority=AUTHORITY)
        ingest_s += time.perf_counter() - started
        done += len(batch)
        if (index + 1) % DELIVER_EVERY == 0:
            seconds, cpu = _timed_delivery(app, target)
            deliver_s, deliver_cpu = deliver_s + seconds, deliver_cpu + cpu
            print(f"\r{backend}: {done:,} statements", end="", file=sys.stderr)
    seconds, cpu = _timed_delivery(app, target)
    deliver_s, deliver_cpu = deliver_s + seconds, deliver_cpu + cpu
    facts_s = timer.seconds
    print(file=sys.stderr)
    if backend == "postgresql":
        with core.db.engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    started = time.perf_counter()
    snap = warning_facts.snapshot(host, 1, AS_OF)
    snapshot_s = time.perf_counter() - started
    with host.read() as session:
        configs = rule_configs(session, 1)
    started = time.perf_counter()
    found = findings(snap, configs)
    findings_s = time.perf_counter() - started
    print(f"{backend}: evaluating ({len(found):,} findings)", file=sys.stderr)
    started = time.perf_counter()
    first = evaluate(host, 1, AS_OF)
    first_s = time.perf_counter() - started
    started = time.perf_counter()
    second = evaluate(host, 1, AS_OF)
    second_s = time.perf_counter() - started
    assert first["opened"] == len(found) and second["unchanged"] == len(found), (first, second)
    with core.db.engine.connect() as connection:
        facts = connection.execute(text("SELECT count(*) FROM kpi_warning_results")).scalar()
    core.db.engine.dispose()
    rate = count / deliver_s
    return [
        target.version.split(" (")[0],
        f"{count:,}",
        f"{ingest_s:.1f}",
        f"{deliver_s:.1f}",
        f"{rate:,.0f}",
        f"{count / deliver_cpu:,.0f}",
        "PASS" if rate >= TARGET_RATE else "FAIL",
        f"{facts_s:.1f}",
        f"{count / facts_s if facts_s else float('inf'):,.0f}",
        f"{facts:,}",
        f"{snapshot_s:.2f}",
        f"{findings_s:.2f}",
        f"{first['opened']:,}",
        f"{first_s:.2f}",
        f"{second_s:.2f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--statements", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="100,000 statements.")
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    count = 100_000 if args.quick else args.statements
    header = [
        "backend",
        "statements",
        "ingest s",
        "delivery s",
        "delivery statements/s",
        "per CPU s",
        f">= {TARGET_RATE:,}/s",
        "facts s",
        "facts statements/s",
        "result facts",
        "snapshot s",
        "findings s",
        "flags",
        "evaluate s",
        "again s",
    ]
    rows = [measure(b, args.people, count) for b in args.backends.split(",")]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
