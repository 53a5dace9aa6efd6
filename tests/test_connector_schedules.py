"""Connector schedules and the sealing of connector secrets (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lrs.auth.sealing import UnsealError, seal, unseal
from lrs.services.schedules import ScheduleError, parse_schedule


def us(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1_000_000)


@pytest.mark.parametrize(("text", "now", "expected"), [
    ("every 15m", "2026-12-04T10:00:00", "2026-12-04T10:15:00"),
    ("EVERY  2h", "2026-12-04T10:00:00", "2026-12-04T12:00:00"),
    ("every 1d", "2026-12-31T23:30:00", "2027-01-01T23:30:00"),
    ("0 2 * * *", "2026-12-04T10:00:00", "2026-12-05T02:00:00"),
    ("0 2 * * *", "2026-12-04T01:59:59", "2026-12-04T02:00:00"),
    ("0 2 * * *", "2026-12-04T02:00:00", "2026-12-05T02:00:00"),  # strictly after
    ("30 6 1 * *", "2026-12-04T10:00:00", "2027-01-01T06:30:00"),
    ("*/10 * * * 1-5", "2026-12-05T10:00:00", "2026-12-07T00:00:00"),  # Saturday: Monday
])
def test_next_run_is_the_first_time_strictly_after_now_in_utc(
    text: str, now: str, expected: str,
) -> None:
    assert parse_schedule(text).next_after(us(now)) == us(expected)


@pytest.mark.parametrize("text", ["every 0m", "every", "every 5 weeks", "0 2 * *",
                                  "0 25 * * *", "hourly", "", "every " + "9" * 4301 + "s",
                                  "every \u0663m"])
def test_bad_schedules_are_refused_with_the_two_accepted_forms(text: str) -> None:
    with pytest.raises(ScheduleError) as refused:
        parse_schedule(text)
    assert refused.value.status == 400
    assert ("'every <number><s|m|h|d>' (every 15m) or a five-field cron" in refused.value.message
            or "the interval must be at least 1 second" in refused.value.message)


def test_sealed_secrets_open_only_with_the_same_server_key() -> None:
    sealed = seal('{"token": "abc"}', "k" * 40)
    assert "abc" not in sealed and unseal(sealed, "k" * 40) == '{"token": "abc"}'
    with pytest.raises(UnsealError, match="LRS_SECRET_KEY changed"):
        unseal(sealed, "j" * 40)
    with pytest.raises(UnsealError):
        unseal(sealed[:-4] + "AAAA", "k" * 40)
