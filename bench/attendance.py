"""``python -m bench.attendance``: a 5,000-participant webinar's attendance, end to end.

For each backend, on a fresh database with the attendance plugin: a directory of
``--people`` people, a planned session whose roster is ``--roster`` of them, and a
Zoom Reports API participants report (JSON pages of 300, generated with a fixed
seed) of ``--participants`` participants: most identified by e-mail, some who
rejoined (two or three rows), some with only their name (matched by the fuzzy rung
against the roster), guests nobody knows (to the review queue). The report is
imported (``import_file``: parse, match, store the rows, queue reviews, merge and
record one ``attended`` statement per person), then imported again (nothing
changes). Prints one table; progress notes go to stderr. Target: under 10 s.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from bench.server import database, plugin_app
from plugins.attendance.importing import import_file
from plugins.attendance.service import create_or_update

FIRST = [
    "Ada",
    "Grace",
    "Alan",
    "Katherine",
    "Maria",
    "Edsger",
    "Barbara",
    "Donald",
    "Frances",
    "John",
    "Margaret",
    "Claude",
    "Hedy",
    "Tim",
    "Radia",
    "Ken",
    "Dennis",
    "Sophie",
    "Lynn",
    "Niklaus",
    "Shafi",
    "Leslie",
    "Yukihiro",
    "Guido",
    "Bjarne",
]
STEMS = [
    "Lovel",
    "Hopp",
    "Turn",
    "Johns",
    "Montess",
    "Dijkst",
    "Lisk",
    "Knu",
    "Aller",
    "McCar",
    "Hamilt",
    "Shann",
    "Lamar",
]
SUFFIXES = [
    "ace",
    "er",
    "ing",
    "on",
    "ori",
    "ra",
    "ov",
    "th",
    "en",
    "thy",
    "an",
    "ey",
    "ick",
    "ers",
    "ald",
    "ius",
    "ova",
    "elli",
    "ard",
    "ez",
    "ski",
    "berg",
    "wood",
    "ford",
    "ton",
    "dale",
    "mann",
    "son",
    "ley",
    "worth",
    "field",
    "more",
    "stone",
    "croft",
    "hurst",
    "lund",
    "gaard",
    "oglu",
    "escu",
    "vic",
    "enko",
    "idis",
    "aki",
    "ani",
    "ulu",
    "ow",
    "ant",
    "ich",
    "ell",
]
#: 25 x 637 different full names, enough for 15,925 people; beyond, a number is added.
LAST = [stem + suffix for stem in STEMS for suffix in SUFFIXES]
START = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


def name_of(n: int) -> str:
    first, last = FIRST[n % len(FIRST)], LAST[(n // len(FIRST)) % len(LAST)]
    lap = n // (len(FIRST) * len(LAST))
    return f"{first} {last} {lap + 1}" if lap else f"{first} {last}"


def directory(count: int) -> list[dict[str, Any]]:
    return [
        {"employee_id": f"E{n}", "display_name": name_of(n), "email": f"p{n}@example.com"}
        for n in range(count)
    ]


def report(participants: int, roster: list[int], seed: int = 7) -> list[dict[str, Any]]:
    """Zoom participants pages: 90 % by e-mail (15 % of them rejoin), 6 % name only,
    4 % guests; the webinar runs 90 minutes."""
    rng = random.Random(seed)
    chosen = rng.sample(roster, participants)
    rows: list[dict[str, Any]] = []

    def stay(name: str, email: str, start: int, minutes: int, user: str) -> None:
        join = START + timedelta(minutes=start, seconds=rng.randrange(60))
        rows.append(
            {
                "id": user,
                "user_id": str(16778240 + len(rows)),
                "name": name,
                "user_email": email,
                "join_time": f"{join:%Y-%m-%dT%H:%M:%SZ}",
                "leave_time": f"{join + timedelta(minutes=minutes):%Y-%m-%dT%H:%M:%SZ}",
                "duration": minutes * 60,
                "status": "in_meeting",
            }
        )

    for index, n in enumerate(chosen):
        share = index / participants
        if share < 0.90:
            user = f"zu{n}"
            if rng.random() < 0.15:  # dropped and rejoined, twice for some
                stay(name_of(n), f"p{n}@example.com", rng.randrange(5), 30, user)
                stay(name_of(n), f"p{n}@example.com", 35, 25, user)
                if rng.random() < 0.3:
                    stay(name_of(n), f"p{n}@example.com", 62, 28, user)
            else:
                stay(
                    name_of(n), f"p{n}@example.com", rng.randrange(10), 60 + rng.randrange(30), user
                )
        elif share < 0.96:
            stay(name_of(n), "", rng.randrange(10), 60 + rng.randrange(30), "")
        else:
            stay(f"Guest {index}", "", rng.randrange(20), rng.randrange(10, 90), "")
    rows.sort(key=lambda r: r["join_time"])
    pages = [rows[i : i + 300] for i in range(0, len(rows), 300)]
    return [
        {
            "page_count": len(pages),
            "page_size": 300,
            "total_records": len(rows),
            "next_page_token": "x" if i + 1 < len(pages) else "",
            "participants": page,
        }
        for i, page in enumerate(pages)
    ]


def measure(backend: str, people: int, roster_size: int, participants: int) -> list[str]:
    with database(backend, durable=True) as target:
        app = plugin_app(target, "attendance", outbox_inline=True)
        host = app.extensions["lrs"].host
        print(f"{backend}: a directory of {people:,} people", file=sys.stderr)
        result = host.import_people(1, directory(people), actor="bench")
        assert not result.errors, result.errors[:3]
        rng = random.Random(3)
        roster = sorted(rng.sample(range(people), roster_size))
        create_or_update(
            host,
            1,
            {
                "key": "webinar",
                "activity_id": "https://learn.example.com/sessions/webinar",
                "title": "All-hands webinar",
                "start": START.isoformat(),
                "end": (START + timedelta(minutes=90)).isoformat(),
                "platform": "zoom",
                "roster": {"people": [f"E{n}" for n in roster]},
            },
            actor="bench",
        )
        if backend == "postgresql":
            # As autovacuum would soon after a directory import (and bench/README.md's
            # ingest benchmark does): without statistics, PostgreSQL's generic plan for
            # ``employee_id = ANY($1)`` scans the 20,000 people comparing each with every
            # id of the array, seconds a look-up.
            with app.extensions["lrs"].db.engine.begin() as connection:
                connection.execute(text("ANALYZE"))
        data = json.dumps(report(participants, roster)).encode()
        phases: list[float] = []
        started = time.perf_counter()

        def progress(done: int, total: int) -> None:
            phases.append(time.perf_counter() - started)

        print(f"{backend}: importing {participants:,} participants", file=sys.stderr)
        first = import_file(
            host,
            1,
            "webinar",
            data,
            filename="participants.json",
            source="zoom",
            actor="bench",
            progress=progress,
        )
        total_s = time.perf_counter() - started
        started = time.perf_counter()
        again = import_file(
            host, 1, "webinar", data, filename="participants.json", source="zoom", actor="bench"
        )
        again_s = time.perf_counter() - started
        recorded, repeated = first.recorded, again.recorded
        assert recorded is not None and repeated is not None
        assert repeated.stored == 0 and repeated.voided == 0, repeated
        app.extensions["lrs"].db.engine.dispose()
        read_s, match_s, store_s, record_s = (
            phases[0],
            phases[1] - phases[0],
            phases[2] - phases[1],
            phases[3] - phases[2],
        )
        return [
            target.version.split(" (")[0],
            f"{first.rows:,}",
            f"{recorded.people:,}",
            f"{recorded.stored:,}",
            f"{first.matched_by.get('email', 0):,}",
            f"{first.matched_by.get('name', 0):,}",
            f"{first.to_review:,}",
            f"{read_s:.2f}",
            f"{match_s:.2f}",
            f"{store_s:.2f}",
            f"{record_s:.2f}",
            f"{total_s:.2f}",
            f"{again_s:.2f}",
            "yes" if total_s < 10 else "NO",
        ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--roster", type=int, default=5_000)
    parser.add_argument("--participants", type=int, default=5_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    header = [
        "backend",
        "rows",
        "people",
        "statements",
        "rows by e-mail",
        "rows by name",
        "to review",
        "read s",
        "match s",
        "store s",
        "record s",
        "total s",
        "re-import s",
        "< 10 s",
    ]
    rows = [
        measure(b, args.people, args.roster, args.participants) for b in args.backends.split(",")
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
