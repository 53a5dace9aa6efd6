"""GET /xapi/activities: the canonical Activity object (Communication 2.5)."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.http.statement_helpers import make_statement, post

ACTIVITY = "http://example.com/activities/canonical"


def test_activities_get_merges_the_definitions_of_stored_statements(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    first = make_statement(activity=ACTIVITY)
    second = make_statement(activity=ACTIVITY)
    second["object"]["definition"] = {"name": {"de-DE": "Eins"}}
    post(client, headers, [first, second])

    response = client.get("/xapi/activities", query_string={"activityId": ACTIVITY},
                          headers=headers)

    assert response.status_code == 200
    assert response.get_json() == {
        "objectType": "Activity", "id": ACTIVITY,
        "definition": {"name": {"en-US": "One", "fr-FR": "Un", "de-DE": "Eins"}},
    }


def test_activities_get_of_an_unknown_id_returns_a_bare_activity(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    unknown = "http://example.com/activities/never-seen"

    response = client.get("/xapi/activities", query_string={"activityId": unknown},
                          headers=headers)

    assert response.status_code == 200
    assert response.get_json() == {"objectType": "Activity", "id": unknown}


def test_activities_get_needs_an_iri_activity_id(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    missing = client.get("/xapi/activities", headers=headers)
    not_iri = client.get("/xapi/activities", query_string={"activityId": "nope"},
                         headers=headers)
    extra = client.get("/xapi/activities", query_string={"activityId": ACTIVITY, "x": "1"},
                       headers=headers)

    assert (missing.status_code, not_iri.status_code, extra.status_code) == (400, 400, 400)


def test_activities_head_answers_like_get_without_a_body(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    query = {"activityId": ACTIVITY}
    got = client.get("/xapi/activities", query_string=query, headers=headers)

    head = client.head("/xapi/activities", query_string=query, headers=headers)

    assert head.status_code == 200
    assert head.get_data() == b""
    assert head.headers["Content-Length"] == str(len(got.get_data()))
