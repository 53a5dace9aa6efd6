"""Result and score (Data 2.4.5)."""

from __future__ import annotations

import pytest

from tests.xapi.xapi_samples import accepted, errors_of, statement


@pytest.mark.parametrize("score", [
    {"scaled": 1}, {"scaled": -1}, {"scaled": 0.12123434}, {"raw": 12.125, "min": 0.5, "max": 45},
    {"raw": 5, "min": 5, "max": 5}, {"raw": -3}, {"min": 1, "max": 2},
])
def test_valid_scores_are_accepted_and_kept_exactly(score):
    [stored] = accepted(statement(result={"score": score}))
    assert stored["result"]["score"] == score


@pytest.mark.parametrize(("score", "path", "message"), [
    ({"scaled": 1.01}, "scaled", "must be between -1 and 1"),
    ({"scaled": -1.5}, "scaled", "must be between -1 and 1"),
    ({"raw": 1, "min": 2}, "raw", "must not be less than min"),
    ({"raw": 11, "max": 10}, "raw", "must not be greater than max"),
    ({"min": 3, "max": 2}, "max", "must not be less than min"),
    ({"raw": "5"}, "raw", "must be a number"),
    ({"scaled": True}, "scaled", "must be a number"),
    ({"max": float("nan")}, "max", "numbers must be finite (no NaN, Infinity or overflow)"),
    ({"total": 1}, "total", "unknown property"),
])
def test_invalid_scores_are_refused(score, path, message):
    assert errors_of(statement(result={"score": score})) == {
        f"$.result.score.{path}": message}


@pytest.mark.parametrize(("result", "path", "message"), [
    ({"success": "true"}, "success", "must be true or false"),
    ({"completion": 1}, "completion", "must be true or false"),
    ({"response": 1}, "response", "must be a string"),
    ({"duration": "PA1H0M0S"}, "duration",
     'must be an ISO 8601 duration, e.g. "PT1H30M" or "P1DT0.25S"'),
    ({"score": {}}, "score", "must not be an empty object"),
    ({"extensions": {"example.com/extension/wrong": 1234}},
     "extensions['example.com/extension/wrong']",
     'extension keys must be IRIs, e.g. "http://example.com/ext"'),
    ({"extensions": []}, "extensions", "must be an object keyed by IRIs"),
])
def test_invalid_result_properties_are_refused(result, path, message):
    assert errors_of(statement(result=result)) == {f"$.result.{path}": message}
