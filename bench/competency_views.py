"""``python -m bench.competency_views``: a person's competency profile, page and API, p95.

For each backend, on a fresh database with the competency plugin: a CASE framework of
``--competencies`` competencies (areas of 49 competencies each, ``isChildOf`` the
area), a directory of ``--people`` people, and preloaded attainment and evidence rows
as the attainment engine leaves them: the measured person holds a full profile (an
attainment on every competency, ``--evidence`` evidence statements on each), every
other person attainments on ``--others-share`` of the competencies with one evidence
statement each. Then ``GET /api/competency/people/E0/profile`` (a credential with
``competency/read``) and ``GET /ui/competency/people/E0`` (a signed-in analyst) are
each asked ``--requests`` times in process, through the whole Flask stack, after a
warm-up. Prints one table with PASS/FAIL against p95 < 100 ms, the median and p95
CPU time of a request in this process (what the machine's other load cannot inflate)
and, for PostgreSQL, its server's CPU per request; notes go to stderr.
"""

from __future__ import annotations

import argparse
import base64
import logging
import os
import random
import statistics
import sys
import time
import uuid
from typing import Any

from flask import Flask
from sqlalchemy import text

from bench.server import database, plugin_app
from lrs.auth.sso import WebUser
from lrs.plugin.testing import create_api_credential
from lrs.process.heap import freeze_startup_objects
from plugins.competency.frameworks import import_package
from plugins.competency.models import Attainment, Evidence
from plugins.competency.package import read_package

TARGET_MS = 100.0
AREA = 49
STATES = ("attained", "attained", "attained", "not_attained", "conflicting")
DOCUMENT = "https://case.example.org/ims/case/v1p0/CFDocuments/bench"


def framework(competencies: int) -> dict[str, Any]:
    """A CASE 1.0 package: areas of :data:`AREA` competencies, each ``isChildOf`` its area."""
    changed = "2026-01-05T10:00:00+00:00"
    items, associations = [], []
    area = None
    for n in range(competencies):
        uri = f"https://case.example.org/ims/case/v1p0/CFItems/bench-{n}"
        is_area = n % (AREA + 1) == 0
        items.append(
            {
                "identifier": f"bench-{n}",
                "uri": uri,
                "lastChangeDateTime": changed,
                "fullStatement": f"{'Area' if is_area else 'Competency'} {n}: do thing {n} well",
                "humanCodingScheme": f"B.{n}",
                "CFItemType": "Area" if is_area else "Competency",
            }
        )
        parent = DOCUMENT if is_area else area
        associations.append(
            {
                "identifier": f"assoc-{n}",
                "uri": f"https://case.example.org/assoc-{n}",
                "associationType": "isChildOf",
                "lastChangeDateTime": changed,
                "sequenceNumber": n,
                "originNodeURI": {"uri": uri, "title": "", "identifier": f"bench-{n}"},
                "destinationNodeURI": {"uri": parent, "title": "", "identifier": "x"},
            }
        )
        if is_area:
            area = uri
    return {
        "CFDocument": {
            "identifier": "bench",
            "uri": DOCUMENT,
            "title": "Bench framework",
            "creator": "bench",
            "lastChangeDateTime": changed,
        },
        "CFItems": items,
        "CFAssociations": associations,
    }


def preload(app: Flask, uris: list[str], people: int, evidence: int, share: float) -> int:
    """Attainment and evidence rows: everything for E0, ``share`` of it for the others."""
    host = app.extensions["lrs"].host
    directory = [
        {"employee_id": f"E{n}", "display_name": f"Person {n}", "email": f"p{n}@example.com"}
        for n in range(people)
    ]
    assert not host.import_people(1, directory, actor="bench").errors
    rng = random.Random(5)
    now = time.time_ns() // 1000
    day = 86_400_000_000
    rows = 0
    for n in range(people):
        chosen = uris if n == 0 else rng.sample(uris, int(len(uris) * share))
        per = evidence if n == 0 else 1
        attainments, proofs = [], []
        for uri in chosen:
            state = rng.choice(STATES)
            attained = now - rng.randrange(400) * day if state == "attained" else None
            attainments.append(
                {
                    "tenant_id": 1,
                    "person_id": f"E{n}",
                    "competency_uri": uri,
                    "state": state,
                    "confidence": rng.random(),
                    "evidence_count": per,
                    "first_attained_us": attained,
                    "attained_since_us": attained,
                    "lapses_us": attained + 365 * day if attained else None,
                    "updated_us": now,
                }
            )
            for k in range(per):
                proofs.append(
                    {
                        "tenant_id": 1,
                        "person_id": f"E{n}",
                        "competency_uri": uri,
                        "statement_id": str(uuid.uuid4()),
                        "route": "rule",
                        "rule_id": 1,
                        "verb": "http://adlnet.gov/expapi/verbs/passed",
                        "positive": k != 1,
                        "weight": 1.0,
                        "scaled": 0.8,
                        "occurred_us": now - rng.randrange(400) * day,
                        "expires_us": None,
                        "recorded_us": now,
                    }
                )
        with host.write() as session:
            host.insert_rows(session, Attainment.__table__, attainments)
            host.insert_rows(session, Evidence.__table__, proofs)
        rows += len(attainments) + len(proofs)
    return rows


def timings(call: Any, count: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of each call (the test client runs the request in
    this thread, so its CPU time is the request's, whatever else the machine runs)."""
    for _ in range(5):
        call()
    wall, cpu = [], []
    for _ in range(count):
        started, started_cpu = time.perf_counter(), time.thread_time()
        call()
        cpu.append((time.thread_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    return wall, cpu


def measure(backend: str, args: argparse.Namespace) -> list[list[str]]:
    with database(backend, durable=True) as target:
        app = plugin_app(target, "competency", local_login=True)
        logging.getLogger("lrs.access").setLevel(logging.WARNING)  # a line a request
        host = app.extensions["lrs"].host
        print(f"{backend}: a framework of {args.competencies:,} competencies", file=sys.stderr)
        package = framework(args.competencies)
        import_package(host, 1, read_package(package), actor="bench")
        uris = [item["uri"] for item in package["CFItems"]]
        print(f"{backend}: {args.people:,} people, attainments and evidence", file=sys.stderr)
        started = time.perf_counter()
        rows = preload(app, uris, args.people, args.evidence, args.others_share)
        print(f"{backend}: {rows:,} rows in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        db = app.extensions["lrs"].db
        if backend == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("ANALYZE"))
        # As gunicorn's workers do once started (``post_worker_init``): without it, the
        # collector's full collections walked every object of start-up within some
        # requests, and made the CPU p95 three times the median.
        freeze_startup_objects()
        issued = create_api_credential(app, "competency/read", name="bench")
        token = base64.b64encode(f"{issued.key}:{issued.secret}".encode()).decode()
        api = app.test_client()
        page = app.test_client()
        with page.session_transaction() as session:
            session.permanent = True
            session["web_user"] = WebUser(
                subject="analyst",
                email="analyst@example.com",
                name=None,
                roles=frozenset({"analyst"}),
                method="local",
            ).to_session()
            session["web_session_id"] = "bench-session"

        def ask_api() -> None:
            response = api.get(
                "/api/competency/people/E0/profile", headers={"Authorization": f"Basic {token}"}
            )
            assert response.status_code == 200, response.get_data(as_text=True)[:200]

        def ask_page() -> None:
            response = page.get("/ui/competency/people/E0")
            assert response.status_code == 200, response.status_code

        profile = api.get(
            "/api/competency/people/E0/profile", headers={"Authorization": f"Basic {token}"}
        ).get_json()
        shown = len(profile["frameworks"][0]["competencies"])
        proofs = sum(len(c["evidence"]) for c in profile["frameworks"][0]["competencies"])
        result = []
        for name, call in (("profile API", ask_api), ("profile page", ask_page)):
            print(f"{backend}: {name}, {args.requests} requests", file=sys.stderr)
            began_db = target.database_cpu_seconds()
            found, cpu = timings(call, args.requests)
            # PostgreSQL's share, per request (its server's CPU over the run: the
            # warm-up's 5 requests included); 0 for SQLite, inside the thread's CPU.
            db_ms = (target.database_cpu_seconds() - began_db) * 1000 / (args.requests + 5)
            p95 = statistics.quantiles(found, n=20)[-1]
            result.append(
                [
                    target.version.split(" (")[0],
                    name,
                    f"{shown:,}",
                    f"{proofs:,}",
                    f"{args.people:,}",
                    f"{rows:,}",
                    f"{statistics.median(found):.1f}",
                    f"{p95:.1f}",
                    f"{max(found):.1f}",
                    f"{statistics.median(cpu):.1f}",
                    f"{statistics.quantiles(cpu, n=20)[-1]:.1f}",
                    f"{db_ms:.1f}",
                    "PASS" if p95 < TARGET_MS else "FAIL",
                ]
            )
        db.engine.dispose()
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--competencies", type=int, default=2_000)
    parser.add_argument("--people", type=int, default=1_000)
    parser.add_argument(
        "--evidence",
        type=int,
        default=3,
        help="evidence statements per competency of the measured person",
    )
    parser.add_argument(
        "--others-share",
        type=float,
        default=0.25,
        help="share of the competencies the other people have attainments on",
    )
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f}", file=sys.stderr)
    header = [
        "backend",
        "request",
        "competencies",
        "evidence",
        "people",
        "rows preloaded",
        "median ms",
        "p95 ms",
        "max ms",
        "CPU ms",
        "CPU p95 ms",
        "DB CPU ms",
        f"p95 < {TARGET_MS:.0f} ms",
    ]
    rows = [row for backend in args.backends.split(",") for row in measure(backend, args)]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
