"""Statement comparison for re-sent ids (Data 2.3.1)."""

from __future__ import annotations

from lrs.xapi.equivalence import equivalent

SENT = {
    "id": "6690E6C9-3EF0-4ED3-8B37-7F3964730BEE",
    "actor": {"mbox": "mailto:a@example.com"},
    "verb": {"id": "http://example.com/v"},
    "object": {"id": "http://example.com/a"},
    "timestamp": "2024-05-01T12:00:00+02:00",
}
STORED = {
    **SENT,
    "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee",
    "timestamp": "2024-05-01T10:00:00.000Z",
    "stored": "2024-05-01T10:00:01.000Z",
    "authority": {"mbox": "mailto:lrs@example.com"},
    "version": "1.0.0",
}


def test_what_the_lrs_assigns_is_ignored() -> None:
    assert equivalent(STORED, SENT)
    assert equivalent(STORED, {k: v for k, v in SENT.items() if k != "timestamp"})


def test_any_other_difference_matters() -> None:
    assert not equivalent(STORED, {**SENT, "verb": {"id": "http://example.com/other"}})
    assert not equivalent(STORED, {**SENT, "timestamp": "2024-05-01T10:00:00.001Z"})
    assert not equivalent(STORED, {**SENT, "result": {"success": True}})


def test_durations_are_compared_only_to_hundredths_of_a_second() -> None:
    base = {"actor": {"mbox": "mailto:a@example.com"}, "verb": {"id": "http://example.com/v"},
            "object": {"id": "http://example.com/a"}}
    long = {**base, "result": {"duration": "P1DT12H36M0.1237S"}}
    short = {**base, "result": {"duration": "P1DT12H36M0.12S"}}
    other = {**base, "result": {"duration": "P1DT12H36M0.13S"}}
    assert equivalent(long, short)
    assert not equivalent(long, other)
    assert equivalent({**base, "result": {"duration": "PT1.000S"}},
                      {**base, "result": {"duration": "PT1S"}})
