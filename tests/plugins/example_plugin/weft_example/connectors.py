"""The example plugin's connector type: a roster that marks its learners as attended.

A real connector would call an LMS or a virtual classroom in ``sync``; this one
reads its configuration, which is enough to show the contract: a marshmallow
schema refuses bad configuration, ``create`` does no I/O, ``sync`` stores
statements with fixed ids through ``host.ingest(run.tenant_id, ..., plugin=...)``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, fields, validate

from lrs.plugin.connectors import ConnectorType, SyncRun, SyncSummary
from lrs.plugin.host import Host

ATTENDED = "http://adlnet.gov/expapi/verbs/attended"
AUTHORITY = {"objectType": "Agent", "name": "example roster",
             "account": {"homePage": "https://example.com/plugins", "name": "example"}}


class RosterConfig(Schema):
    session = fields.Url(required=True, metadata={"description": "The session's activity IRI."})
    learners = fields.List(fields.Email(), required=True, validate=validate.Length(min=1))


@dataclass
class RosterConnector:
    host: Host
    config: dict[str, Any]

    def sync(self, run: SyncRun) -> SyncSummary:
        session, learners = self.config["session"], self.config["learners"]
        statements = [
            {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{session}#{email}")),
             "actor": {"mbox": f"mailto:{email}"}, "verb": {"id": ATTENDED},
             "object": {"id": session}}
            for email in learners
        ]
        ids = self.host.ingest(run.tenant_id, statements, authority=AUTHORITY,
                               plugin="example")
        return SyncSummary(fetched=len(learners), stored=len(ids))


ROSTER = ConnectorType(
    name="example.roster",
    description="Marks a fixed list of learners as having attended one session.",
    config_schema=RosterConfig,
    create=RosterConnector,
)
