"""Put background work behind requests: ``lrs worker`` lowers its own CPU priority.

After-commit work must never slow ingestion down. Where the server and the
worker share cores and requests keep them busy, the kernel then gives the
cores to requests first, and the worker catches up as soon as they leave
some over; the outbox keeps every event until it does. What that saves is
the contention of the two running at once, not the worker's work (the figures
are in ``docs/audit.md``, Performance).

Linux schedules a session's processes as one group ("autogroups", on by
default): a nice value then only orders a process against the others of its
session. A worker leading a session of its own (started by systemd, a
container's entry point, ``setsid``) therefore lowers its session's autogroup
too. It never touches a session it does not lead: ``lrs worker`` typed in a
shell would otherwise lower everything started from that shell. Where each
service is a cgroup (systemd with the CPU controller, containers), neither
weighs against other cgroups: give the worker's unit a lower ``CPUWeight=``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

#: Linux's per-session scheduling group of this process: ``/autogroup-42 nice 0``.
AUTOGROUP = Path("/proc/self/autogroup")
_AUTOGROUP_NICE = re.compile(r"nice\s+(-?\d+)")


@dataclass(frozen=True)
class Priority:
    """This process's nice value and, when it leads its session, its autogroup's."""

    nice: int
    autogroup_nice: int | None


def lower_cpu_priority(nice: int) -> Priority:
    """Run at ``nice`` (0 to 19) or lower still, never higher than now.

    Raising priority needs privileges a worker should not have, and an
    operator who started the worker lower (``nice -n 15``) meant it.
    """
    if not 0 <= nice <= 19:
        raise ValueError(f"nice must be 0 to 19, got {nice}")
    current = os.getpriority(os.PRIO_PROCESS, 0)
    if nice > current:
        os.setpriority(os.PRIO_PROCESS, 0, nice)
    return Priority(max(nice, current), _lower_autogroup(nice))


def _lower_autogroup(nice: int) -> int | None:
    """The autogroup nice now, after lowering it, if this process leads its session."""
    if os.getsid(0) != os.getpid():
        return None
    try:
        match = _AUTOGROUP_NICE.search(AUTOGROUP.read_text())
        if match is None:
            return None
        current = int(match.group(1))
        if nice > current:
            AUTOGROUP.write_text(str(nice))
            return nice
        return current
    except OSError:  # not Linux, or a kernel without autogroups: the nice value alone then
        return None
