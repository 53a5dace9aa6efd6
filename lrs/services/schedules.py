"""When a connector instance runs: ``every <n><s|m|h|d>`` or a five-field cron expression.

Cron expressions are read by ``croniter`` and evaluated in UTC, the time every
other timestamp of Weft is kept in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from croniter import croniter

from lrs.xapi.errors import BadRequest

#: At most nine ASCII digits: more is no schedule (``int`` refuses 4,301 digits).
_EVERY = re.compile(r"every\s+(\d{1,9})\s*([smhd])", re.IGNORECASE | re.ASCII)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
#: The shortest interval: a connector that must keep up (forwarding) runs again at
#: once while it reports more work, so polling faster than this gains nothing.
MIN_INTERVAL_SECONDS = 1


class ScheduleError(BadRequest):
    error = "invalid_schedule"


@dataclass(frozen=True)
class Schedule:
    text: str
    #: Seconds between runs for ``every``; ``None`` for cron.
    interval: int | None

    def next_after(self, now_us: int) -> int:
        """The first run time strictly after ``now_us`` (µs since the epoch)."""
        if self.interval is not None:
            return now_us + self.interval * 1_000_000
        start = datetime.fromtimestamp(now_us / 1_000_000, UTC)
        following = croniter(self.text, start).get_next(datetime)
        return int(following.timestamp() * 1_000_000)


def parse_schedule(text: str) -> Schedule:
    """:raises ScheduleError: neither ``every 15m`` nor a valid five-field cron expression."""
    text = " ".join(text.split())
    every = _EVERY.fullmatch(text)
    if every:
        seconds = int(every[1]) * _UNIT_SECONDS[every[2].lower()]
        if seconds < MIN_INTERVAL_SECONDS:
            raise ScheduleError(f"schedule {text!r}: the interval must be at least "
                                f"{MIN_INTERVAL_SECONDS} second")
        return Schedule(text.lower(), seconds)
    if len(text.split(" ")) == 5 and croniter.is_valid(text):
        return Schedule(text, None)
    raise ScheduleError(f"schedule {text!r}: give 'every <number><s|m|h|d>' (every 15m) or a "
                        "five-field cron expression in UTC ('0 2 * * *': daily at 02:00)")
