"""What differs between xAPI 1.0.3 and 2.0.0 validation (besides timestamps/context)."""

from __future__ import annotations

import pytest

from tests.xapi.xapi_samples import V1, V2, accepted, errors_of, statement


@pytest.mark.parametrize("value", ["1.0", "1.0.0", "1.0.3", "1.0.9"])
def test_1_0_versions_are_accepted_by_both_and_kept(value):
    assert accepted(statement(version=value), V1)[0]["version"] == value
    assert accepted(statement(version=value), V2)[0]["version"] == value


@pytest.mark.parametrize("value", ["2.0", "2.0.0", "2.0.1"])
def test_2_0_versions_are_accepted_by_2_0_only(value):
    assert accepted(statement(version=value), V2)[0]["version"] == value
    assert errors_of(statement(version=value), V1) == {"$.version": 'must be "1.0" or "1.0.x"'}


@pytest.mark.parametrize("value", ["should fail", "0.9.9", "1.1.0", "1.0.3\n", "1.0.x", 1.0])
def test_other_versions_are_refused_by_both(value):
    assert list(errors_of(statement(version=value), V1)) == ["$.version"]
    assert list(errors_of(statement(version=value), V2)) == ["$.version"]
