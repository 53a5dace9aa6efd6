"""``lrs people erase``: one person's statements and documents are gone, nobody else's.

The command runs against each test database; what it did is then checked
through the xAPI HTTP API, as a client of the store sees it.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, func, select

from lrs.models import Attachment, StatementAgent
from lrs.store.credentials import IssuedCredential
from lrs.xapi.multipart import AttachmentPart, build_multipart
from tests.conftest import basic_auth
from tests.http.statement_helpers import orphan_link_rows
from tests.test_cli import created, lrs

assert lrs  # the fixture, used by name

ADA = {"mbox": "mailto:ada@example.com"}
ADA_JSON = json.dumps(ADA)
BOB = {"mbox": "mailto:bob@example.com"}
CAROL = {"mbox": "mailto:carol@example.com"}
ADMIN = {"mbox": "mailto:admin@example.com"}
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
VOIDED = "http://adlnet.gov/expapi/verbs/voided"
ACTIVITY = {"id": "http://example.com/activities/safety"}


def sid(number: int) -> str:
    return str(uuid.UUID(int=number))


def said(number: int, actor: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"id": sid(number), "actor": actor, "verb": {"id": COMPLETED}, "object": ACTIVITY,
            **extra}


def voids(number: int, target: int, actor: dict[str, Any]) -> dict[str, Any]:
    return {"id": sid(number), "actor": actor, "verb": {"id": VOIDED},
            "object": {"objectType": "StatementRef", "id": sid(target)}}


ADA_SHA1 = hashlib.sha1(b"mailto:ada@example.com").hexdigest()
#: What the store holds before the erasure, by what should become of it.
ADAS = [said(1, ADA), said(2, ADA),
        said(3, CAROL, object={"objectType": "Agent", **ADA}),
        said(4, {"mbox_sha1sum": ADA_SHA1}),
        said(5, {"objectType": "Group", "member": [ADA]}),
        {"id": sid(6), "actor": CAROL, "verb": {"id": "http://example.com/commented"},
         "object": {"objectType": "StatementRef", "id": sid(1)}}]
KEPT_WITHOUT_ADA = [said(10, BOB, context={"instructor": ADA}),
                    said(11, {"objectType": "Group", "member": [ADA, BOB]}),
                    said(12, BOB, context={"team": {"objectType": "Group",
                                                    "member": [ADA, CAROL]}})]
UNTOUCHED = [said(20, BOB), said(21, CAROL), said(22, BOB, context={"instructor": CAROL})]


def headers(credential: IssuedCredential) -> dict[str, str]:
    return {"Authorization": basic_auth(credential), "X-Experience-API-Version": "2.0.0"}


def post(client: FlaskClient, credential: IssuedCredential, statements: Any) -> None:
    response = client.post("/xapi/statements", json=statements, headers=headers(credential))
    assert response.status_code == 200, response.get_json()


def get(client: FlaskClient, credential: IssuedCredential, **params: str) -> Any:
    return client.get("/xapi/statements", query_string=params, headers=headers(credential))


def ids(client: FlaskClient, credential: IssuedCredential, **params: str) -> set[str]:
    response = get(client, credential, **params)
    assert response.status_code == 200, response.get_json()
    return {s["id"] for s in response.get_json()["statements"]}


def document(client: FlaskClient, credential: IssuedCredential, method: str, path: str,
             agent: dict[str, Any], **params: str) -> Any:
    return client.open(f"/xapi/{path}", method=method, data=b"{}" if method == "PUT" else None,
                       content_type="application/json", headers=headers(credential),
                       query_string={"agent": json.dumps(agent), **params})


STATE = {"activityId": ACTIVITY["id"], "stateId": "bookmark"}
PROFILE = {"profileId": "preferences"}


@pytest.fixture
def seeded(lrs, client: FlaskClient) -> tuple[IssuedCredential, IssuedCredential]:  # type: ignore[no-untyped-def]
    """The default store with Ada and others in it, and store ``acme`` with Ada too."""
    home = created(lrs("credentials", "create", "--name", "lms", "--scope", "all", "--json"))
    assert lrs("tenants", "create", "acme").exit_code == 0
    acme = created(lrs("credentials", "create", "--tenant", "acme", "--name", "acme",
                       "--scope", "all", "--json"))
    post(client, home, ADAS + KEPT_WITHOUT_ADA + UNTOUCHED)
    # Ada's statement 2 voided by an admin; Ada voiding Bob's statement 20.
    post(client, home, [voids(30, 2, ADMIN), voids(31, 20, ADA)])
    post(client, acme, [said(1, ADA)])
    for credential in (home, acme):
        for agent in (ADA, BOB):
            assert document(client, credential, "PUT", "activities/state", agent,
                            **STATE).status_code == 204
            assert document(client, credential, "PUT", "agents/profile", agent,
                            **PROFILE).status_code == 204
    return home, acme


EXPECTED = {"statements deleted": "7", "statements kept without the person": "4",
            "state documents": "1", "agent profile documents": "1", "attachments": "0",
            "people directory entries": "0", "notifications": "0",
            "notifications kept without the person": "0", "notification subscriptions": "0"}


def counts(output: str) -> dict[str, str]:
    rows = [line.rsplit(None, 1) for line in output.splitlines()[2:]]
    assert output.splitlines()[1].split() == ["WHAT", "COUNT"]
    return dict(rows)


def test_people_erase_dry_run_counts_and_changes_nothing(lrs, client, seeded) -> None:  # type: ignore[no-untyped-def]
    home, _ = seeded
    before = ids(client, home, agent=ADA_JSON, related_agents="true")
    result = lrs("people", "erase", "--agent", ADA_JSON, "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Would erase from store 'default':")
    assert counts(result.output) == EXPECTED
    assert ids(client, home, agent=ADA_JSON, related_agents="true") == before
    assert get(client, home, statementId=sid(1)).status_code == 200


def test_people_erase_removes_the_persons_statements_and_documents_only(
    lrs, client, seeded,  # type: ignore[no-untyped-def]
) -> None:
    home, acme = seeded
    untouched = [get(client, home, statementId=sid(n)).get_json() for n in (21, 22)]
    result = lrs("people", "erase", "--agent", ADA_JSON, "--yes")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Erased from store 'default':")
    assert counts(result.output) == EXPECTED
    # Ada's statements, statements about her and statements referring to them: gone.
    for number in (1, 2, 3, 4, 5, 6, 30):
        assert get(client, home, statementId=sid(number)).status_code == 404, number
        assert get(client, home, voidedStatementId=sid(number)).status_code == 404, number
    assert ids(client, home, agent=ADA_JSON, related_agents="true") == set()
    sha1 = json.dumps({"mbox_sha1sum": ADA_SHA1})
    assert ids(client, home, agent=sha1, related_agents="true") == set()
    # Others' records naming her are kept without her.
    kept = {s["id"]: s for s in get(client, home, agent=json.dumps(BOB),
                                    related_agents="true").get_json()["statements"]}
    assert "context" not in kept[sid(10)]
    assert kept[sid(11)]["actor"] == {"objectType": "Group", "member": [BOB]}
    assert kept[sid(12)]["context"]["team"]["member"] == [CAROL]
    assert "ada@example.com" not in json.dumps(kept)
    # Her voiding of Bob's statement stands, by an anonymous agent.
    assert get(client, home, statementId=sid(20)).status_code == 404
    assert get(client, home, voidedStatementId=sid(20)).status_code == 200
    voiding = get(client, home, statementId=sid(31)).get_json()
    assert voiding["actor"]["account"] == {"homePage": "urn:weft:erased", "name": "erased"}
    # Untouched: everybody else's, and Ada's in another store.
    assert [get(client, home, statementId=sid(n)).get_json() for n in (21, 22)] == untouched
    assert ids(client, home, agent=json.dumps(CAROL)) == {sid(21)}
    assert ids(client, home, verb=COMPLETED) == {sid(n) for n in (10, 11, 12, 21, 22, 31)}
    assert get(client, acme, statementId=sid(1)).status_code == 200
    # Documents: hers gone here, Bob's kept, hers in acme kept.
    for path, params in (("activities/state", STATE), ("agents/profile", PROFILE)):
        assert document(client, home, "GET", path, ADA, **params).status_code == 404
        assert document(client, home, "GET", path, BOB, **params).status_code == 200
        assert document(client, acme, "GET", path, ADA, **params).status_code == 200
    # /agents answers from the request alone: nothing stored about her shows.
    person = client.get("/xapi/agents", query_string={"agent": ADA_JSON},
                        headers=headers(home)).get_json()
    assert person == {"objectType": "Person", "mbox": [ADA["mbox"]]}


def test_people_erase_asks_first_and_a_no_erases_nothing(lrs, client, seeded) -> None:  # type: ignore[no-untyped-def]
    home, _ = seeded
    refused = lrs("people", "erase", "--agent", ADA_JSON, input="n\n")
    assert refused.exit_code == 1
    assert "Erase this person permanently?" in refused.output
    assert get(client, home, statementId=sid(1)).status_code == 200
    accepted = lrs("people", "erase", "--agent", ADA_JSON, input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert get(client, home, statementId=sid(1)).status_code == 404


def test_people_erase_in_another_store_leaves_the_default_store_alone(
    lrs, client, seeded,  # type: ignore[no-untyped-def]
) -> None:
    home, acme = seeded
    result = lrs("people", "erase", "--agent", ADA_JSON, "--tenant", "acme", "--yes")
    assert result.exit_code == 0, result.output
    assert counts(result.output)["statements deleted"] == "1"
    assert get(client, acme, statementId=sid(1)).status_code == 404
    assert get(client, home, statementId=sid(1)).status_code == 200
    assert document(client, home, "GET", "activities/state", ADA, **STATE).status_code == 200


def test_people_erase_deletes_attachments_only_the_person_used(
    lrs, client, database_url: str,  # type: ignore[no-untyped-def]
) -> None:
    home = created(lrs("credentials", "create", "--name", "lms", "--scope", "all", "--json"))
    parts = {name: AttachmentPart(hashlib.sha256(name).hexdigest(), "text/plain", name)
             for name in (b"ada's certificate", b"shared handout")}

    def with_files(number: int, actor: dict[str, Any], *contents: bytes) -> None:
        attachments = [{"usageType": "http://example.com/file", "display": {"en-US": "f"},
                        "contentType": "text/plain", "length": len(c),
                        "sha2": parts[c].sha2} for c in contents]
        content_type, body = build_multipart(
            json.dumps([said(number, actor, attachments=attachments)]).encode(),
            [parts[c] for c in contents])
        response = client.post("/xapi/statements", data=body, content_type=content_type,
                               headers=headers(home))
        assert response.status_code == 200, response.get_json()

    with_files(1, ADA, b"ada's certificate", b"shared handout")
    with_files(2, BOB, b"shared handout")
    result = lrs("people", "erase", "--agent", ADA_JSON, "--yes")
    assert counts(result.output)["attachments"] == "1"
    engine = create_engine(database_url)
    with engine.connect() as connection:
        left = set(connection.scalars(select(Attachment.sha2)))
        link_rows = connection.scalar(select(func.count()).select_from(StatementAgent).where(
            StatementAgent.agent_key == "mbox:mailto:ada@example.com"))
        orphans = orphan_link_rows(connection)
    engine.dispose()
    assert left == {parts[b"shared handout"].sha2}
    assert link_rows == 0
    assert orphans == 0


@pytest.mark.parametrize(("agent", "message"), [
    ('{"objectType": "Group", "mbox": "mailto:team@example.com"}', "not a Group"),
    ('{"name": "no identifier"}', "--agent"),
    ("not json", "not JSON"),
])
def test_people_erase_refuses_what_is_not_one_person(lrs, agent: str, message: str) -> None:  # type: ignore[no-untyped-def]
    result = lrs("people", "erase", "--agent", agent, "--yes")
    assert result.exit_code in (1, 2)
    assert message in result.output


def test_people_erase_in_an_unknown_store_is_refused(lrs) -> None:  # type: ignore[no-untyped-def]
    result = lrs("people", "erase", "--agent", ADA_JSON, "--tenant", "nope", "--yes")
    assert result.exit_code == 1
    assert "no store named 'nope'" in result.output
