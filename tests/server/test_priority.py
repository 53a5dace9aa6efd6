"""``lrs worker`` steps behind requests: a lower nice value, and its session's autogroup.

Real processes: a priority lowered in the test process would stay lowered for
the rest of the suite, and only a process of its own can lead a session.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lrs.process.priority import lower_cpu_priority
from tests.conftest import TEST_SECRET_KEY
from tests.serving import ROOT, clean_env

pytestmark = pytest.mark.server

#: Whether this kernel groups sessions for scheduling (``/proc/PID/autogroup``).
AUTOGROUPS = Path("/proc/self/autogroup").exists()

LOWER = """
import json, os, sys
from pathlib import Path
from lrs.process.priority import AUTOGROUP, lower_cpu_priority

started_at, autogroup_at, asked = map(int, sys.argv[1:])
os.setpriority(os.PRIO_PROCESS, 0, started_at)
if autogroup_at and AUTOGROUP.exists():
    AUTOGROUP.write_text(str(autogroup_at))
before = AUTOGROUP.read_text() if AUTOGROUP.exists() else None
priority = lower_cpu_priority(asked)
print(json.dumps({"nice": priority.nice, "autogroup_nice": priority.autogroup_nice,
                  "now": os.getpriority(os.PRIO_PROCESS, 0), "before": before,
                  "after": AUTOGROUP.read_text() if AUTOGROUP.exists() else None}))
"""


def lower(*, started_at: int = 0, autogroup_at: int = 0, asked: int,
          own_session: bool) -> dict[str, object]:
    """What :func:`lower_cpu_priority` did in a fresh process, and what the kernel says."""
    result = subprocess.run(
        [sys.executable, "-c", LOWER, str(started_at), str(autogroup_at), str(asked)],
        env=clean_env(), cwd=ROOT, capture_output=True, text=True, check=True,
        start_new_session=own_session)
    return json.loads(result.stdout)


def test_a_session_leader_lowers_itself_and_its_autogroup() -> None:
    lowered = lower(asked=10, own_session=True)
    assert (lowered["nice"], lowered["now"]) == (10, 10)
    if AUTOGROUPS:
        assert lowered["autogroup_nice"] == 10
        assert str(lowered["after"]).endswith(" nice 10\n")


def test_a_process_in_someone_elses_session_leaves_the_session_alone() -> None:
    lowered = lower(asked=10, own_session=False)
    assert (lowered["nice"], lowered["now"], lowered["autogroup_nice"]) == (10, 10, None)
    assert lowered["after"] == lowered["before"]


def test_priority_is_never_raised() -> None:
    lowered = lower(started_at=15, autogroup_at=17, asked=10, own_session=True)
    assert (lowered["nice"], lowered["now"]) == (15, 15)
    if AUTOGROUPS:
        assert lowered["autogroup_nice"] == 17
        assert lowered["after"] == lowered["before"]


@pytest.mark.parametrize("nice", [-1, 20])
def test_only_nice_values_a_worker_may_take_are_accepted(nice: int) -> None:
    with pytest.raises(ValueError, match="nice must be 0 to 19"):
        lower_cpu_priority(nice)


def test_lrs_worker_runs_at_lrs_worker_nice(tmp_path: Path) -> None:
    env = clean_env(LRS_DATABASE_URL=f"sqlite:///{tmp_path / 'lrs.sqlite3'}",
                    LRS_SECRET_KEY=TEST_SECRET_KEY, LRS_WORKER_NICE="7")
    output = tmp_path / "worker.log"
    with output.open("wb") as out:
        worker = subprocess.Popen([sys.executable, "-m", "lrs.cli", "worker"], cwd=ROOT,
                                  env=env, stdout=out, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while "Delivering events" not in output.read_text() and worker.poll() is None:
            assert time.monotonic() < deadline, output.read_text()
            time.sleep(0.05)
        assert "Delivering events to plugins and running connectors at nice 7" in output.read_text()
        assert os.getpriority(os.PRIO_PROCESS, worker.pid) == 7
        if AUTOGROUPS:
            assert Path(f"/proc/{worker.pid}/autogroup").read_text().endswith(" nice 7\n")
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
