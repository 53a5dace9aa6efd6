"""GET/HEAD /xapi/statements: single lookups, filters, paging, formats, headers."""

from __future__ import annotations

import json

from flask.testing import FlaskClient

from tests.conftest import basic_auth
from tests.http.statement_helpers import make_statement, new_id, post, query, voiding


def test_statements_get_single_and_404(client: FlaskClient, headers) -> None:
    (statement_id,) = post(client, headers, make_statement())
    found = client.get(f"/xapi/statements?statementId={statement_id}", headers=headers)
    assert found.status_code == 200 and found.get_json()["id"] == statement_id
    missing = client.get(f"/xapi/statements?statementId={new_id()}", headers=headers)
    assert missing.status_code == 404


def test_statements_get_voided_only_by_voided_statement_id(client: FlaskClient, headers) -> None:
    (target,) = post(client, headers, make_statement())
    (voider,) = post(client, headers, voiding(target))
    assert client.get(f"/xapi/statements?statementId={target}",
                      headers=headers).status_code == 404
    voided = client.get(f"/xapi/statements?voidedStatementId={target}", headers=headers)
    assert voided.status_code == 200 and voided.get_json()["id"] == target
    assert client.get(f"/xapi/statements?voidedStatementId={voider}",
                      headers=headers).status_code == 404
    assert [s["id"] for s in query(client, headers)] == [voider]


def test_statements_get_voiding_a_voiding_statement_voids_nothing(
    client: FlaskClient, headers
) -> None:
    (target,) = post(client, headers, make_statement())
    (voider,) = post(client, headers, voiding(target))
    post(client, headers, voiding(voider))
    assert client.get(f"/xapi/statements?statementId={voider}",
                      headers=headers).status_code == 200


def test_statements_get_single_refuses_query_parameters(client: FlaskClient, headers) -> None:
    (statement_id,) = post(client, headers, make_statement())
    for extra in ("&verb=http://example.com/v", "&limit=1", "&ascending=true"):
        response = client.get(f"/xapi/statements?statementId={statement_id}{extra}",
                              headers=headers)
        assert response.status_code == 400, extra
    ok = client.get(f"/xapi/statements?statementId={statement_id}&format=ids&attachments=false",
                    headers=headers)
    assert ok.status_code == 200


def test_statements_get_refuses_bad_parameters(client: FlaskClient, headers) -> None:
    for params in ("foo=bar", "Agent=x", "agent=notjson", "agent=" + json.dumps({"name": "x"}),
                   "since=yesterday", "limit=-1", "format=full", "ascending=yes",
                   "registration=nope", "statementId=nope"):
        response = client.get(f"/xapi/statements?{params}", headers=headers)
        assert response.status_code == 400, params


def test_statements_get_filters(client: FlaskClient, headers) -> None:
    registration = new_id()
    a, b, c = post(client, headers, [
        make_statement(mbox="mailto:a@example.com", context={"registration": registration}),
        make_statement(mbox="mailto:b@example.com", verb="http://example.com/verbs/other",
                       context={"instructor": {"mbox": "mailto:a@example.com"}}),
        make_statement(mbox="mailto:c@example.com", activity="http://example.com/act/two",
                       context={"contextActivities": {"parent": [
                           {"id": "http://example.com/activities/one"}]}}),
    ])

    def ids(**params: str) -> set[str]:
        return {s["id"] for s in query(client, headers, **params)}

    agent_a = json.dumps({"mbox": "mailto:a@example.com"})
    assert ids(agent=agent_a) == {a}
    assert ids(agent=agent_a, related_agents="true") == {a, b}
    assert ids(verb="http://example.com/verbs/other") == {b}
    assert ids(activity="http://example.com/activities/one") == {a, b}
    assert ids(activity="http://example.com/activities/one", related_activities="true") == {
        a, b, c}
    assert ids(registration=registration) == {a}


def test_statements_get_activity_pages_in_stored_order_each_statement_once(
    client: FlaskClient, headers
) -> None:
    """An activity's pages are read in the link rows' stored order: a statement that
    names the course both as its object and as its grouping comes once, batches
    sharing a stored time page by id, and since/until/more keep working."""
    course = "http://example.com/courses/c1"
    in_course = {"contextActivities": {"grouping": [{"id": course}]}}
    (first,) = post(client, headers, make_statement(context=in_course))
    stored = client.get(f"/xapi/statements?statementId={first}", headers=headers).get_json()
    batch = post(client, headers, [make_statement(activity=course, context=in_course),
                                   make_statement(context=in_course),
                                   make_statement(activity=course)])
    post(client, headers, make_statement(activity="http://example.com/courses/other"))
    newest_first = [*reversed(batch), first]

    def paged(**params: str) -> list[str]:
        url, seen = "/xapi/statements", []
        response = client.get(url, query_string={**params, "limit": "1"}, headers=headers)
        while True:
            body = response.get_json()
            seen += [s["id"] for s in body["statements"]]
            if not body["more"]:
                return seen
            response = client.get(body["more"], headers=headers)

    assert paged(activity=course, related_activities="true") == newest_first
    assert paged(activity=course, related_activities="true", ascending="true") == [
        *reversed(newest_first)]
    assert paged(activity=course) == [batch[2], batch[0]]
    assert [s["id"] for s in query(client, headers, activity=course, related_activities="true",
                                   since=stored["stored"])] == [*reversed(batch)]
    assert [s["id"] for s in query(client, headers, activity=course, related_activities="true",
                                   until=stored["stored"])] == [first]


def test_statements_get_agent_with_related_agents_each_statement_once(
    client: FlaskClient, headers
) -> None:
    teacher = "mailto:teacher@example.com"
    both, taught = post(client, headers, [
        make_statement(mbox=teacher, context={"instructor": {"mbox": teacher}}),
        make_statement(context={"instructor": {"mbox": teacher}}),
    ])
    post(client, headers, make_statement())
    agent = json.dumps({"mbox": teacher})
    assert [s["id"] for s in query(client, headers, agent=agent, related_agents="true")] == [
        taught, both]
    assert [s["id"] for s in query(client, headers, agent=agent)] == [both]


def test_statements_get_statement_refs_meet_their_targets_filters(
    client: FlaskClient, headers
) -> None:
    registration = new_id()
    (target,) = post(client, headers, make_statement(
        mbox="mailto:t@example.com", verb="http://example.com/verbs/did",
        context={"registration": registration}))
    ref = {"actor": {"mbox": "mailto:r@example.com"}, "verb": {"id": "http://example.com/v/r"},
           "object": {"objectType": "StatementRef", "id": target}}
    (referrer,) = post(client, headers, ref)
    (second,) = post(client, headers, {**ref, "object": {"objectType": "StatementRef",
                                                           "id": referrer}})
    expected = {target, referrer, second}
    for params in ({"agent": json.dumps({"mbox": "mailto:t@example.com"})},
                   {"verb": "http://example.com/verbs/did"},
                   {"registration": registration},
                   {"activity": "http://example.com/activities/one"}):
        assert {s["id"] for s in query(client, headers, **params)} == expected, params


def test_statements_get_pages_with_stable_more_links(client: FlaskClient, headers) -> None:
    ids = post(client, headers, [make_statement() for _ in range(5)])
    first = client.get("/xapi/statements?limit=2&ascending=true", headers=headers).get_json()
    assert [s["id"] for s in first["statements"]] == ids[:2]
    post(client, headers, make_statement())  # arrives while the client pages
    second = client.get(first["more"], headers=headers).get_json()
    third = client.get(second["more"], headers=headers).get_json()
    assert [s["id"] for s in second["statements"]] == ids[2:4]
    assert third["statements"][0]["id"] == ids[4]
    tampered = first["more"][:-2] + ("AA" if not first["more"].endswith("AA") else "BB")
    assert client.get(tampered, headers=headers).status_code == 400


def test_statements_get_more_is_empty_on_the_last_page(client: FlaskClient, headers) -> None:
    post(client, headers, [make_statement() for _ in range(2)])
    body = client.get("/xapi/statements?limit=2", headers=headers).get_json()
    assert len(body["statements"]) == 2 and body["more"] == ""


def test_statements_get_since_until_and_order(client: FlaskClient, headers) -> None:
    (first,) = post(client, headers, make_statement())
    stored = client.get(f"/xapi/statements?statementId={first}", headers=headers).get_json()
    (second,) = post(client, headers, make_statement())
    assert [s["id"] for s in query(client, headers)] == [second, first]
    assert [s["id"] for s in query(client, headers, ascending="true")] == [first, second]
    assert [s["id"] for s in query(client, headers, until=stored["stored"])] == [first]
    later = [s["id"] for s in query(client, headers, since=stored["stored"])]
    assert first not in later


def test_statements_get_formats(client: FlaskClient, headers) -> None:
    (statement_id,) = post(client, headers, make_statement())
    url = f"/xapi/statements?statementId={statement_id}"
    ids = client.get(url + "&format=ids", headers=headers).get_json()
    assert ids["actor"] == {"objectType": "Agent", "mbox": "mailto:learner@example.com"}
    assert ids["object"] == {"id": "http://example.com/activities/one"}
    assert ids["verb"] == {"id": "http://adlnet.gov/expapi/verbs/experienced"}
    canonical = client.get(url + "&format=canonical",
                           headers={**headers, "Accept-Language": "fr-FR, en;q=0.5"}).get_json()
    assert canonical["object"]["definition"]["name"] == {"fr-FR": "Un"}
    assert canonical["verb"]["display"] == {"en-US": "experienced"}
    exact = client.get(url, headers={**headers, "Accept-Language": "fr-FR"}).get_json()
    assert set(exact["verb"]["display"]) == {"en-US", "en-GB"}


def test_statements_get_and_head_headers(client: FlaskClient, headers) -> None:
    post(client, headers, make_statement())
    got = client.get("/xapi/statements", headers=headers)
    head = client.head("/xapi/statements", headers=headers)
    for response in (got, head):
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "application/json"
        assert response.headers["X-Experience-API-Consistent-Through"].endswith("Z")
        assert response.headers["Last-Modified"].endswith("GMT")
    assert head.data == b""
    assert head.headers["Content-Length"] == got.headers["Content-Length"]


def test_statements_get_read_mine_sees_only_own_statements(
    client: FlaskClient, headers, make_credential, xapi_version: str
) -> None:
    post(client, headers, make_statement())
    mine = make_credential("statements/read/mine", "statements/write")
    mine_headers = {"Authorization": basic_auth(mine), "X-Experience-API-Version": xapi_version}
    (own,) = post(client, mine_headers, make_statement())
    assert [s["id"] for s in query(client, mine_headers)] == [own]
    assert len(query(client, headers)) == 2
