"""Activity profile reads: one document, ids with since, parameter checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient

from tests.http.document_helpers import ACTIVITY_PROFILE, new_id, send


def test_activity_profile_get_without_profile_id_lists_the_activitys_profiles(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    activity = f"http://example.com/activities/{new_id()}"
    for profile_id in ("p1", "p2"):
        send(client, "PUT", ACTIVITY_PROFILE, {"activityId": activity, "profileId": profile_id},
             headers, {"a": 1}, If_None_Match="*")
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    future = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()

    listed = send(client, "GET", ACTIVITY_PROFILE, {"activityId": activity}, headers)
    recent = send(client, "GET", ACTIVITY_PROFILE, {"activityId": activity, "since": past},
                  headers)
    none = send(client, "GET", ACTIVITY_PROFILE, {"activityId": activity, "since": future},
                headers)

    assert listed.status_code == 200
    assert sorted(listed.get_json()) == ["p1", "p2"]
    assert sorted(recent.get_json()) == ["p1", "p2"]
    assert none.get_json() == []


@pytest.mark.parametrize(
    "params",
    [
        {"profileId": "p"},
        {"activityId": "no scheme", "profileId": "p"},
        {"activityId": "http://example.com/a", "profileId": "p", "agent": "{}"},
    ],
)
def test_activity_profile_get_with_bad_parameters_is_400(
    client: FlaskClient, headers: dict[str, str], params: dict[str, str]
) -> None:
    assert send(client, "GET", ACTIVITY_PROFILE, params, headers).status_code == 400


def test_activity_profile_delete_without_profile_id_is_400(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    params = {"activityId": "http://example.com/a"}

    assert send(client, "DELETE", ACTIVITY_PROFILE, params, headers).status_code == 400
