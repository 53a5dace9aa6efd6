"""Timestamps and durations (Data 4.5, 4.6): grammars by version and UTC normalization."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lrs.xapi.validate import parse_timestamp
from tests.xapi.xapi_samples import BOTH, V1, V2, accepted, errors_of, statement


@BOTH
@pytest.mark.parametrize(("sent", "stored"), [
    ("2013-05-18T05:32:34.804Z", "2013-05-18T05:32:34.804Z"),
    ("2008-09-15T15:53:00.601+00:00", "2008-09-15T15:53:00.601Z"),
    ("2023-05-04T12:00:00-05:00", "2023-05-04T17:00:00Z"),
    ("2023-05-04T12:00:00.123456789+05:30", "2023-05-04T06:30:00.123456789Z"),
    ("2023-12-31T23:30:00.5-01:00", "2024-01-01T00:30:00.5Z"),
    ("2024-02-29t10:00:00z", "2024-02-29T10:00:00Z"),
])
def test_timestamps_are_stored_in_utc_with_their_fraction_kept(version, sent, stored):
    [result] = accepted(statement(timestamp=sent, stored=sent), version)
    assert result["timestamp"] == stored
    assert result["stored"] == stored


@BOTH
@pytest.mark.parametrize("value", [
    "should fail", "01/011/2015", "2008-09-15T15:53:00.601-00", "2008-09-15T15:53:00.601-0000",
    "2008-09-15T15:53:00.601-00:00", "2023-02-30T00:00:00Z", "2023-01-01T24:00:00Z",
    "2023-01-01T10:00:00+24:00", "2023-01-01", "0000-01-01T00:00:00Z", "2023-01-01T10:00:00Z ",
])
def test_malformed_timestamps_are_refused_in_both_versions(version, value):
    assert list(errors_of(statement(timestamp=value), version)) == ["$.timestamp"]


@pytest.mark.parametrize(("value", "stored"), [
    ("2023-05-04T12:00", "2023-05-04T12:00:00Z"),
    ("2023-05-04T12:00:00", "2023-05-04T12:00:00Z"),
    ("2023-05-04T12:00:00,25+01", "2023-05-04T11:00:00.25Z"),
    ("2023-05-04T12:00:00+0130", "2023-05-04T10:30:00Z"),
    ("20230504T120000.5Z", "2023-05-04T12:00:00.5Z"),
])
def test_1_0_3_accepts_other_iso_8601_forms_that_2_0_refuses(value, stored):
    assert accepted(statement(timestamp=value), V1)[0]["timestamp"] == stored
    assert list(errors_of(statement(timestamp=value), V2)) == ["$.timestamp"]


def test_substatement_timestamps_are_normalized_too():
    sub = {"objectType": "SubStatement", "actor": {"mbox": "mailto:a@b.c"},
           "verb": {"id": "http://x.org/v"}, "object": {"id": "http://x.org/a"},
           "timestamp": "2030-01-01T01:00:00+01:00"}
    assert accepted(statement(object=sub), V2)[0]["object"]["timestamp"] == "2030-01-01T00:00:00Z"


def test_parse_timestamp_gives_an_aware_utc_datetime():
    assert parse_timestamp("2023-05-04T12:00:00.1234567-05:00") == datetime(
        2023, 5, 4, 17, 0, 0, 123456, tzinfo=UTC)
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_timestamp("yesterday")


@pytest.mark.parametrize("value", ["PT1H0M0.1S", "P1DT12H36M0.12567S", "P3Y6M4DT12H30M5S",
                                   "P23DT23H", "P4Y", "PT0S", "P0.5Y", "PT36H", "P2W", "PT1,5S"])
def test_iso_8601_durations_are_accepted_unchanged(value):
    assert accepted(statement(result={"duration": value}))[0]["result"]["duration"] == value


@pytest.mark.parametrize("value", ["PA1H0M0S", "P", "PT", "P1DT", "1H", "P0003-06-04T12:30:05",
                                   "P1H", "PT1D", "P2W1D", "pt1h", "P-1D", "should fail"])
def test_malformed_durations_are_refused(value):
    assert list(errors_of(statement(result={"duration": value}))) == ["$.result.duration"]
