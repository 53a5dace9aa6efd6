"""The views' ISO 8601 moments: a fast path that must agree with ``strftime``."""

from __future__ import annotations

import random
import time

import pytest

from plugins.competency.standing import iso


@pytest.mark.parametrize(
    "us",
    [
        0,
        86_399_999_999,  # the last second of a day
        86_400_000_000,  # midnight
        1_767_607_200_123_456,
        951_782_400_000_000,  # 2000-02-29 (a leap day)
        -1_000_000,  # before 1970
        *random.Random(7).sample(range(-(10**17), 10**17), 200),
    ],
)
def test_iso_is_strftime_to_the_second(us: int) -> None:
    assert iso(us) == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(us // 1_000_000))


def test_iso_of_nothing_is_none() -> None:
    assert iso(None) is None
