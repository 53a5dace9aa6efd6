"""The ``asserted`` statement Weft records when a person attains or loses a competency.

The verb is the ADL Total Learning Architecture profile's
``https://w3id.org/xapi/tla/verbs/asserted`` ("the learner has provided sufficient
evidence to update the learner's measure of competence in a given competency"),
with the profile's ``confidence`` and ``evidence`` context extensions: the
confidence is negative for a lost competency, and ``evidence`` lists the
statements it rests on. The id is a uuid5 of the store, person, competency, change
and its date, so evaluating again never records a second one.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from lrs.plugin.host import Person
from plugins.competency.attainment import Standing
from plugins.competency.catalog import Competency

ASSERTED = "https://w3id.org/xapi/tla/verbs/asserted"
COMPETENCY_TYPE = "https://w3id.org/xapi/tla/activity-types/competency"
CONFIDENCE = "https://w3id.org/xapi/tla/extensions/confidence"
EVIDENCE = "https://w3id.org/xapi/tla/extensions/evidence"
NAMESPACE = uuid.UUID("0b7c4f36-62a5-5b1e-9a57-2f4a3c1d8e21")
#: Evidence statements listed at most (the most recent first).
MAX_EVIDENCE = 50


def statement_id(tenant_id: int, person_id: str, uri: str, gained: bool, effective_us: int) -> str:
    change = "attained" if gained else "lost"
    return str(uuid.uuid5(NAMESPACE, f"{tenant_id}/{person_id}/{uri}/{change}/{effective_us}"))


def person_agent(person: Person | None) -> dict[str, Any] | None:
    """The identity statements about ``person`` use: their e-mail, else their first
    identity that is not a hash; ``None`` when the directory gives none."""
    if person is None:
        return None
    email = person.attributes.get("email")
    if email:
        agent: dict[str, Any] = {"objectType": "Agent", "mbox": "mailto:" + email.lower()}
    else:
        usable = [a for a in person.agents if "mbox_sha1sum" not in a]
        if not usable:
            return None
        agent = {k: v for k, v in usable[0].items() if k != "name"}
        agent["objectType"] = "Agent"
    if person.name:
        agent["name"] = person.name
    return agent


def assertion(
    sid: str,
    person: Person | None,
    competency: Competency | None,
    uri: str,
    standing: Standing,
    effective_us: int,
    gained: bool,
) -> dict[str, Any] | None:
    """The statement of one change; ``None`` when the person has no identity.

    Built in the form xAPI validation returns (``objectType`` given, ``Z``
    timestamp): the engine stores them with :meth:`Host.ingest_built`, which
    skips validation (a test checks the two forms agree).
    """
    agent = person_agent(person)
    if agent is None:
        return None
    definition: dict[str, Any] = {"type": COMPETENCY_TYPE}
    if competency is not None:
        code = f"{competency.code} " if competency.code else ""
        definition["name"] = {"en": f"{code}{competency.statement}"}
        definition["description"] = {"en": competency.statement}
    evidence = list(standing.evidence[:MAX_EVIDENCE])
    confidence = standing.confidence if gained else round(standing.confidence - 1.0, 6)
    context: dict[str, Any] = {"extensions": {CONFIDENCE: confidence, EVIDENCE: evidence}}
    if evidence:
        context["statement"] = {"objectType": "StatementRef", "id": evidence[0]}
    moment = datetime.fromtimestamp(effective_us / 1_000_000, UTC)
    return {
        "id": sid,
        "actor": agent,
        "verb": {"id": ASSERTED, "display": {"en-US": "asserted"}},
        "object": {"objectType": "Activity", "id": uri, "definition": definition},
        "result": {"success": gained},
        "context": context,
        "timestamp": moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }
