"""Erasing a person is recorded as ``person.erased``, and the chain still verifies.

The entries recorded before the erasure keep their identifiers: the trail is
retained under a legal obligation (GDPR Art. 17(3)(b) and (e); docs/audit.md).
"""

from __future__ import annotations

import hashlib
import json

from flask import Flask
from flask.testing import FlaskClient

from lrs.plugin.testing import deliver
from lrs.services import admin
from plugins.audit.trail import Filters, trail_for
from tests.plugins.audit.conftest import after_start_up, post
from tests.plugins.conftest import runtime, statement

LEARNER = {"mbox": "mailto:learner@example.com"}
PSEUDONYM = "person:sha256:" + hashlib.sha256(b"mbox:mailto:learner@example.com").hexdigest()


def _entries(app: Flask) -> list[dict]:
    return after_start_up(list(trail_for(runtime(app).host).entries(Filters(tenant_id=1))))


def test_audit_records_person_erased_with_a_pseudonym_and_still_verifies(
    audit_app: Flask, audit_client: FlaskClient, auth: dict[str, str],
) -> None:
    own = statement()
    post(audit_client, auth, [own, statement(mbox="mailto:other@example.com")])
    state = {"activityId": "http://example.com/a", "agent": json.dumps(LEARNER),
             "stateId": "bookmark"}
    assert audit_client.put("/xapi/activities/state", query_string=state, data=b"page 1",
                            headers=auth).status_code == 204
    deliver(audit_app)
    before = _entries(audit_app)

    counts = admin.erase_person(runtime(audit_app), actor="admin:dpo@example.com",
                                agent=LEARNER, source={"cli": "dpo@ops"})
    deliver(audit_app)

    entries = _entries(audit_app)
    assert entries[:-2] == before  # earlier entries are kept as they were
    ids = entries[-2]  # in the erasure's transaction: which statements it removes
    assert (ids["action"], ids["details"]) == (
        "statements.erased", {"deleted": [own["id"]], "redacted": []})
    erased = entries[-1]
    assert (erased["action"], erased["target"], erased["actor"]) == (
        "person.erased", PSEUDONYM, "admin:dpo@example.com")
    assert erased["details"] == counts == {
        "statements_deleted": 1, "statements_redacted": 0, "state_documents": 1,
        "agent_profiles": 0, "attachments": 0, "people": 0, "notifications": 0,
        "notifications_redacted": 0, "notification_subscriptions": 0}
    assert erased["person"] is None and erased["source"] == {"cli": "dpo@ops"}
    assert "learner@example.com" not in json.dumps(erased)
    assert trail_for(runtime(audit_app).host).verify().ok


def test_audit_records_nothing_of_statements_erased_before_delivery(
    audit_app: Flask, audit_client: FlaskClient, auth: dict[str, str],
) -> None:
    post(audit_client, auth, [statement()])
    admin.erase_person(runtime(audit_app), actor="cli:dpo", agent=LEARNER)
    deliver(audit_app)
    # the erasure's own entry comes first: it is appended in the erasure's
    # transaction, before the outbox delivers the start-up record
    actions = [e["action"] for e in trail_for(runtime(audit_app).host).entries(Filters(1))]
    assert actions == ["statements.erased", "configuration.recorded", "person.erased"]
    assert trail_for(runtime(audit_app).host).verify().ok


def test_audit_verify_accepts_a_statement_the_erasure_redacted(
    audit_app: Flask, audit_client: FlaskClient, auth: dict[str, str],
) -> None:
    """Someone else's statement naming the learner as instructor is kept, the learner
    removed: its text changes, by erasure, which verification must not call tampering."""
    taught = statement(mbox="mailto:other@example.com",
                       context={"instructor": {"objectType": "Agent", **LEARNER}})
    post(audit_client, auth, [taught])
    deliver(audit_app)
    counts = admin.erase_person(runtime(audit_app), actor="cli:dpo", agent=LEARNER)
    deliver(audit_app)
    assert counts["statements_redacted"] == 1
    assert trail_for(runtime(audit_app).host).verify().ok


def test_audit_dry_run_records_nothing(audit_app: Flask, audit_client: FlaskClient,
                                       auth: dict[str, str]) -> None:
    post(audit_client, auth, [statement()])
    deliver(audit_app)
    counts = admin.erase_person(runtime(audit_app), actor="cli:dpo", agent=LEARNER,
                                dry_run=True)
    assert counts["statements_deleted"] == 1
    deliver(audit_app)
    assert [e["action"] for e in _entries(audit_app)] == ["statement.stored"]
