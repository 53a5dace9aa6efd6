"""Profiles of a running gunicorn worker with py-spy: a flame graph and a top table.

``python -m bench.requests --profile`` records one worker while it serves single-
statement POSTs, so the profile that guided a change can be taken again, the same
way, after it: first a flame graph (SVG), then, for as long again, the collapsed
stacks, from which :func:`top_table` adds up each function's own ("self") and
inclusive ("total") share of the samples (py-spy writes one format per recording,
and two recorders cannot pause one process at once). py-spy pauses the worker for
each sample, so stacks are consistent, and only samples the thread holding the
GIL (``--gil``): a thread waiting for a request or for PostgreSQL has released it,
so the shares are of the worker's Python CPU time (C code that runs without the
GIL, such as libpq's network waits, is left out).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

#: Samples per second (py-spy's default).
RATE = 100


def py_spy() -> str:
    """The py-spy executable beside this Python (the ``test`` extras install it), else on PATH."""
    beside = Path(sys.executable).parent / "py-spy"
    found = str(beside) if beside.exists() else shutil.which("py-spy")
    if not found:
        raise RuntimeError(
            "py-spy is not installed: pip install -e '.[test]' (or pip install py-spy)"
        )
    return found


def record(pid: int, seconds: float, output: Path, form: str) -> None:
    """Record ``pid`` for ``seconds`` into ``output`` (``flamegraph``: SVG; ``raw``:
    collapsed stacks). Returns when done; a failure is an error with py-spy's message."""
    command = [
        py_spy(),
        "record",
        "--pid",
        str(pid),
        "--duration",
        str(max(1, round(seconds))),
        "--rate",
        str(RATE),
        "--gil",
        "--function",
        "--format",
        form,
        "--output",
        str(output),
    ]
    done = subprocess.run(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=seconds + 120
    )
    if done.returncode:
        raise RuntimeError(f"py-spy failed: {done.stderr.decode(errors='replace').strip()}")


def top_table(collapsed: Path, *, rows: int = 40) -> str:
    """The functions with the most samples, by self and by total share, from py-spy's
    collapsed stacks (``frame;frame;... count`` a line, the leaf last)."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    samples = 0
    for line in collapsed.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        samples += int(count)
        own[frames[-1]] += int(count)
        for frame in set(frames):
            inclusive[frame] += int(count)
    lines = [f"{samples:,} samples of the thread holding the GIL ({RATE}/s)", ""]
    for title, counter in (("by self time", own), ("by total time (callees included)", inclusive)):
        lines += [f"top {rows} functions {title}", f"{'%':>6}  {'samples':>8}  function (file)"]
        lines += [
            f"{n * 100 / max(samples, 1):>6.1f}  {n:>8,}  {frame}"
            for frame, n in counter.most_common(rows)
        ]
        lines.append("")
    return "\n".join(lines)
