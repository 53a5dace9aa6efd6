"""``python -m bench.request_cpu``: CPU per small request, in one process, against another checkout.

What :mod:`bench.requests` measures as deployed (gunicorn, a worker, 16 clients)
takes minutes and loads the whole machine; a change to the request path is
judged faster here: the application is called as gunicorn calls it (one WSGI
call, the body read from ``wsgi.input``), one request at a time, on a durable
PostgreSQL (:func:`bench.server.database`) with the audit plugin on and the
outbox left to a worker (``LRS_OUTBOX_INLINE=false``), as :mod:`bench.requests`
sets it up. Each kind (a single-statement POST, GET by ``statementId``, state
GET, state ``PUT`` with ``If-Match: *``) runs ``--requests`` times after a
warm-up; its CPU (:func:`time.process_time`) is taken per chunk of 100 requests
and the lower quartile of the chunks is reported (the machine's speed drifts
by a fifth within seconds; the quartile keeps a slow moment out).

``--against DIR`` (a checkout, e.g. ``git archive main | tar -x -C DIR``) runs
the same requests with ``lrs`` imported from ``DIR``, alternating with this
checkout ``--rounds`` times in fresh subprocesses, on the same database, and
prints both sides and their ratio per round.

``--kinds post100`` measures batches of 100 statements (CPU per request, not per
statement); ``--kinds create_state`` first PUTs of new state documents
(``If-None-Match: *``), as a launch writes them. ``--kinds deliver1,deliver100``
measures the other half of a POST: the CPU the outbox's delivery (what ``lrs worker``
runs) spends per event of 1 and of 100 statements. Each chunk of events is stored
with the outbox idle, then drained as the worker drains a backlog
(:meth:`Outbox.run` with ``once``: full batches back to back); ``--plugins all``
turns on every installed plugin, as :mod:`bench.requests` deploys Weft (the default
is the audit plugin alone).

Examples::

    python -m bench.request_cpu
    python -m bench.request_cpu --against /tmp/main --rounds 5 --requests 1500
    python -m bench.request_cpu --kinds post100 --requests 300 --against /tmp/main
    python -m bench.request_cpu --profile put_state --requests 5000  # py-spy, top 50
    python -m bench.request_cpu --plugins all --kinds deliver1,deliver100 --against /tmp/main
    python -m bench.request_cpu --plugins all --profile deliver1 --requests 3000
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("post1", "get_id", "get_state", "put_state")
#: Requests measured only when asked for (``--kinds``): first PUTs of new state documents.
CREATIONS = ("create_state",)
#: Requests measured only when asked for (``--kinds``): statements POSTed 100 at a time.
BATCHES = {"post100": 100}
#: Delivery of the events of POSTs of 1 and of 100 statements (per event).
DELIVERIES = {"deliver1": 1, "deliver100": 100}
#: Everything ``--kinds`` and ``--profile`` may name.
EVERY_KIND = (*KINDS, *BATCHES, *CREATIONS, *DELIVERIES)
LABELS = {
    "post1": "POST 1 statement",
    "post100": "POST 100 statements",
    "get_id": "GET statementId",
    "get_state": "GET state",
    "put_state": "PUT state (If-Match: *)",
    "create_state": "PUT new state (If-None-Match: *)",
    "deliver1": "deliver: event of 1 stmt",
    "deliver100": "deliver: event of 100 stmts",
}
CHUNK = 100
WARMUP = 200
#: Statements and state documents stored before measuring.
PRELOAD_STATEMENTS = 2000
STATE_KEYS = 500


def _app(url: str, key_file: str, plugins: str = "audit") -> Callable:
    """The WSGI application as a deployed server builds it (``plugins``: ``audit``
    alone, or ``all`` installed)."""
    os.environ["LRS_PLUGIN_AUDIT_KEY_FILE"] = key_file
    from bench.server import SECRET_KEY, installed_plugins
    from lrs.app import create_app
    from lrs.settings import Settings

    others = [] if plugins == "all" else [p for p in installed_plugins() if p != "audit"]
    settings = Settings.from_env(
        {
            "LRS_DATABASE_URL": url,
            "LRS_SECRET_KEY": SECRET_KEY,
            "LRS_ENV": "production",
            "LRS_LOG_FORMAT": "json",
            "LRS_LOG_LEVEL": "info",
            "LRS_OUTBOX_INLINE": "false",
            "LRS_DISABLED_PLUGINS": ",".join(others),
            "LRS_AUTO_MIGRATE": "true",
        }
    )
    return create_app(settings)


class Caller:
    """Calls a WSGI app as gunicorn does: an environ, ``start_response``, the body drained."""

    def __init__(self, app: Callable, authorization: str) -> None:
        self.app = app
        self.headers = {
            "HTTP_AUTHORIZATION": authorization,
            "HTTP_X_EXPERIENCE_API_VERSION": "2.0.0",
        }
        self.status = ""

    def __call__(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> str:
        path, _, query = path.partition("?")
        environ = {
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": "",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "REMOTE_PORT": "5000",
            "HTTP_HOST": "127.0.0.1:8000",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            **self.headers,
        }
        if body:
            environ["CONTENT_TYPE"] = "application/json"
            environ["CONTENT_LENGTH"] = str(len(body))
        for name, value in (headers or {}).items():
            environ["HTTP_" + name.upper().replace("-", "_")] = value
        result = self.app(environ, self._start_response)
        try:
            for _ in result:
                pass
        finally:
            close = getattr(result, "close", None)
            if close:
                close()
        return self.status

    def _start_response(self, status: str, headers: list, exc_info: object = None) -> None:
        self.status = status


def _requests(kind: str, fixture: dict) -> Iterator[tuple[str, str, bytes, dict[str, str]]]:
    """Endless requests of ``kind``: (method, path, body, headers)."""
    from bench.generate import StatementGenerator
    from bench.ingest import BodyFactory

    n = 0
    if kind in ("post1", *BATCHES):
        size = BATCHES.get(kind, 1)
        factory = BodyFactory(StatementGenerator(seed=7), pool_size=500)
        while True:
            yield "POST", "/xapi/statements", factory.body(size), {}
    ids, states = fixture["ids"], fixture["states"]
    while True:
        n += 1
        if kind == "get_id":
            yield "GET", f"/xapi/statements?statementId={ids[n % len(ids)]}", b"", {}
        elif kind == "get_state":
            yield "GET", states[n % len(states)], b"", {}
        elif kind == "create_state":  # a new registration's documents, as a launch writes them
            path = states[n % len(states)].replace("stateId=bookmark", f"stateId={uuid.uuid4()}")
            yield "PUT", path, b'{"location":"page-0"}', {"If-None-Match": "*"}
        else:
            body = json.dumps({"location": f"page-{n}", "progress": 0.5}).encode()
            yield "PUT", states[n % len(states)], body, {"If-Match": "*"}


EXPECTED = {
    "post1": "200", "post100": "200", "get_id": "200", "get_state": "200", "put_state": "204",
    "create_state": "204",
}


def measure(
    url: str,
    authorization: str,
    key_file: str,
    fixture: dict,
    count: int,
    kinds: tuple[str, ...] = KINDS,
    plugins: str = "audit",
) -> dict[str, list[float]]:
    """``{kind: [ms per request (or event delivered) of each chunk of CHUNK]}``."""
    from lrs.process.heap import freeze_startup_objects

    app = _app(url, key_file, plugins)
    call = Caller(app, authorization)
    freeze_startup_objects()  # as gunicorn's workers and `lrs worker` do once started
    chunks: dict[str, list[float]] = {}
    for kind in kinds:
        if kind in DELIVERIES:
            chunks[kind] = _deliveries(app, call, DELIVERIES[kind], count)
            continue
        source = _requests(kind, fixture)
        for _ in range(WARMUP):
            _check(kind, call(*next(source)))
        chunks[kind] = []
        for _ in range(max(1, count // CHUNK)):
            batch = [next(source) for _ in range(CHUNK)]
            started = time.process_time()
            for request in batch:
                status = call(*request)
            elapsed = time.process_time() - started
            _check(kind, status)
            chunks[kind].append(elapsed * 1000 / CHUNK)
    return chunks


def _deliveries(app: Callable, call: Caller, size: int, count: int) -> list[float]:
    """ms of CPU per event delivered, per chunk of CHUNK events of ``size`` statements
    (after a chunk of warm-up): each chunk is stored, then drained as a backlog."""
    import threading

    from bench.generate import StatementGenerator
    from bench.ingest import BodyFactory

    outbox = app.extensions["lrs"].outbox  # type: ignore[attr-defined]
    factory = BodyFactory(StatementGenerator(seed=size), pool_size=500)
    chunks = []
    for n in range(1 + max(1, count // CHUNK)):
        for _ in range(CHUNK):
            _check("post1", call("POST", "/xapi/statements", factory.body(size)))
        started = time.process_time()
        delivered = outbox.run(threading.Event(), once=True)
        elapsed = time.process_time() - started
        if delivered < CHUNK:
            raise RuntimeError(f"delivered {delivered} events of {CHUNK}")
        if n:  # the first chunk warms up
            chunks.append(elapsed * 1000 / delivered)
    return chunks


def _check(kind: str, status: str) -> None:
    if not status.startswith(EXPECTED[kind]):
        raise RuntimeError(f"{kind}: unexpected status {status}")


def _fixture(url: str, authorization: str, key_file: str) -> dict:
    """Stored statements (their ids) and state documents (their paths), for the GETs and PUTs."""
    from bench.generate import StatementGenerator, state_paths
    from bench.ingest import BodyFactory

    call = Caller(_app(url, key_file), authorization)
    logging.getLogger("lrs.access").setLevel(logging.WARNING)  # 2,500 setup lines say nothing
    generator = StatementGenerator(seed=42)
    factory = BodyFactory(generator, pool_size=PRELOAD_STATEMENTS)
    ids: list[str] = []
    for _ in range(PRELOAD_STATEMENTS // 100):
        rows = factory.statements(100)
        body = ("[" + ",".join(text for _, text, _ in rows) + "]").encode()
        _check("post1", call("POST", "/xapi/statements", body))
        ids.extend(statement_id for statement_id, _, _ in rows)
    states = state_paths(generator.population, STATE_KEYS)
    for path in states:
        _check("put_state", call("PUT", path, b'{"location":"page-0"}'))
    return {"ids": ids[::3], "states": states}


@contextmanager
def _measurement(setup: dict, args: argparse.Namespace, *more: str) -> Iterator[list[str]]:
    """The command that runs :func:`measure` on ``setup`` (written to a file for it,
    removed afterwards) in a fresh process, with ``more`` arguments."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(setup, handle)
    try:
        yield [
            sys.executable,
            "-P",
            str(Path(__file__).resolve()),
            "--measure",
            handle.name,
            "--requests",
            str(args.requests),
            "--plugins",
            args.plugins,
            *(more or ("--kinds", args.kinds)),
        ]
    finally:
        os.unlink(handle.name)


def _measure_in(checkout: Path, args: argparse.Namespace, setup: dict) -> dict[str, list[float]]:
    """:func:`measure` in a fresh subprocess importing ``lrs`` from ``checkout``."""
    env = {**os.environ, "PYTHONPATH": f"{checkout}{os.pathsep}{ROOT}"}
    with _measurement(setup, args) as command:
        out = subprocess.run(
            command,
            cwd=checkout,
            env=env,
            check=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL if not args.verbose else None,
            text=True,
        )
    return json.loads(out.stdout)


def _quartile(chunks: list[float]) -> float:
    return statistics.quantiles(chunks, n=4)[0] if len(chunks) >= 4 else min(chunks)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0].strip("`"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("Examples::")[1],
    )
    parser.add_argument(
        "--against",
        type=Path,
        metavar="DIR",
        help="another checkout, measured alternately with this one",
    )
    parser.add_argument("--rounds", type=int, default=3, help="alternations (default 3)")
    parser.add_argument(
        "--requests", type=int, default=1000, help="requests per kind and run (default 1000)"
    )
    parser.add_argument(
        "--profile",
        choices=EVERY_KIND,
        help="instead: py-spy of this kind's requests, top functions",
    )
    parser.add_argument(
        "--profile-output",
        metavar="PREFIX",
        help="where --profile writes PREFIX.collapsed (request-cpu-KIND)",
    )
    parser.add_argument("--profile-rows", type=int, default=50, help="functions listed (50)")
    parser.add_argument(
        "--kinds",
        default=",".join(KINDS),
        help=f"what to measure, of {', '.join(EVERY_KIND)} "
        "(default: the single requests)",
    )
    parser.add_argument(
        "--plugins",
        choices=("audit", "all"),
        default="audit",
        help="the audit plugin alone (default), or every installed plugin",
    )
    parser.add_argument("--verbose", action="store_true", help="show the subprocesses' stderr")
    parser.add_argument("--measure", metavar="SETUP", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if unknown := set(args.kinds.split(",")) - set(EVERY_KIND):
        parser.error(f"--kinds: unknown {', '.join(sorted(unknown))}")
    if args.measure:  # one side of a comparison, in a subprocess
        setup = json.loads(Path(args.measure).read_text())
        sys.stdout.write(
            json.dumps(
                measure(
                    setup["url"],
                    setup["authorization"],
                    setup["key_file"],
                    setup["fixture"],
                    args.requests,
                    tuple(args.kinds.split(",")),
                    args.plugins,
                )
            )
        )
        return 0

    from bench.server import audit_signing_key, database

    folder = Path(tempfile.mkdtemp(prefix="weft-request-cpu-"))
    with database("postgresql") as target:
        key_file = str(audit_signing_key(folder))
        print(
            f"{target.version}; plugins: {args.plugins}; {args.requests} per kind and run",
            file=sys.stderr,
            flush=True,
        )
        fixture = _fixture(target.url, target.authorization, key_file)
        setup = {
            "url": target.url,
            "authorization": target.authorization,
            "key_file": key_file,
            "fixture": fixture,
        }
        if args.profile:
            _profile(args, setup)
            return 0
        sides = [("this", ROOT)] + ([("against", args.against.resolve())] if args.against else [])
        results: dict[str, list[dict[str, float]]] = {side: [] for side, _ in sides}
        for round_ in range(args.rounds):
            for side, checkout in sides if round_ % 2 else sides[::-1]:
                chunks = _measure_in(checkout, args, setup)
                results[side].append({kind: _quartile(values) for kind, values in chunks.items()})
                print(
                    f"round {round_ + 1} {side}: "
                    + "  ".join(f"{kind} {value:.3f}" for kind, value in results[side][-1].items()),
                    file=sys.stderr,
                    flush=True,
                )
    _print(results, args)
    return 0


def _profile(args: argparse.Namespace, setup: dict) -> None:
    """py-spy of one kind's requests in a subprocess (``--gil``: Python CPU, not waits)."""
    from bench import pyspy

    collapsed = Path(f"{args.profile_output or 'request-cpu-' + args.profile}.collapsed")
    record = [pyspy.py_spy(), "record", "--rate", "1000", "--gil", "--function"]
    with _measurement(setup, args, "--kinds", args.profile) as command:
        subprocess.run(
            [*record, "--format", "raw", "--output", str(collapsed), "--", *command],
            check=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL if not args.verbose else None,
        )
    # Only the requests: the imports and the application's start are not what is measured.
    requests = collapsed.with_suffix(".requests.collapsed")
    requests.write_text(
        "".join(
            line
            for line in collapsed.read_text(errors="replace").splitlines(keepends=True)
            # py-spy mixes up some stacks sampled while the application was being built
            if (("Outbox.run (" if args.profile in DELIVERIES else "Caller.__call__ (") in line)
            and "create_app (" not in line
        )
    )
    print(
        f"{requests} (py-spy, 1,000 samples/s, GIL held; the requests' stacks only)\n"
        f"{pyspy.top_table(requests, rows=args.profile_rows)}"
    )


def _print(results: dict[str, list[dict[str, float]]], args: argparse.Namespace) -> None:
    kinds = args.kinds.split(",")
    print(
        f"CPU ms per request (or event delivered), in process (lower quartile of {CHUNK}-request "
        f"chunks, {args.requests} per kind and run, {args.rounds} runs per side; "
        f"plugins: {args.plugins})"
    )
    if "against" not in results:
        runs = results["this"]
        print(f"  {'request':<30}" + "".join(f"{'run ' + str(i + 1):>9}" for i in range(len(runs))))
        for kind in kinds:
            print(f"  {LABELS[kind]:<30}" + "".join(f"{run[kind]:>9.3f}" for run in runs))
        return
    print(f"  {'request':<30}{'against':>9}{'this':>9}{'ratio':>7}   per-round ratios")
    for kind in kinds:
        against = min(run[kind] for run in results["against"])
        this = min(run[kind] for run in results["this"])
        ratios = [
            t[kind] / a[kind] for t, a in zip(results["this"], results["against"], strict=True)
        ]
        listed = "  ".join(f"{ratio:.2f}" for ratio in ratios)
        print(
            f"  {LABELS[kind]:<30}{against:>9.3f}{this:>9.3f}"
            f"{statistics.median(ratios):>7.2f}   {listed}"
        )
    print("(each side: its fastest run; ratio: the median of the rounds' this / against)")


if __name__ == "__main__":
    sys.exit(main())
