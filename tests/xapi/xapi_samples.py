"""Valid xAPI objects for validation tests, and a helper that collects error paths."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from lrs.xapi.errors import InvalidStatement
from lrs.xapi.validate import validate_statements
from lrs.xapi.versions import XapiVersion

V1 = XapiVersion.V1_0_3
V2 = XapiVersion.V2_0_0
BOTH = pytest.mark.parametrize("version", [V1, V2], ids=["1.0.3", "2.0.0"])

ACTIVITY = {"objectType": "Activity", "id": "http://example.com/activities/a"}
AGENT = {"objectType": "Agent", "name": "Ada", "mbox": "mailto:ada@example.com"}
GROUP = {"objectType": "Group", "name": "Team", "member": [
    {"mbox": "mailto:b@example.com"}, {"account": {"homePage": "http://x.org", "name": "c"}}]}
VERB = {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}}


def statement(**overrides: Any) -> dict[str, Any]:
    """A minimal valid statement; ``overrides`` replace or add top-level properties."""
    base: dict[str, Any] = {
        "actor": copy.deepcopy(AGENT),
        "verb": copy.deepcopy(VERB),
        "object": copy.deepcopy(ACTIVITY),
    }
    base.update(copy.deepcopy(overrides))
    return base


def rich_statement() -> dict[str, Any]:
    """A statement using most properties (valid in both versions)."""
    return statement(
        id="f4a0f4c5-0f8a-4c1b-9d5e-6c1b2b9d4e10",
        object={"id": "http://example.com/q/1", "definition": {
            "name": {"en-US": "Q1"}, "description": {"en": "First"},
            "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
            "moreInfo": "https://example.com/q/1/info", "interactionType": "choice",
            "correctResponsesPattern": ["a[,]b"],
            "choices": [{"id": "a", "description": {"en-US": "A"}}, {"id": "b"}],
            "extensions": {"http://example.com/ext": {"nested": [1, None]}}}},
        result={"score": {"scaled": -0.5, "raw": 1.5, "min": 0, "max": 10}, "success": False,
                "completion": True, "response": "a[,]b", "duration": "PT4.25S",
                "extensions": {"http://example.com/r": None}},
        context={"registration": "0B1B2B3B-4B5B-6B7B-8B9B-ABCDEFABCDEF",
                 "instructor": copy.deepcopy(AGENT), "team": copy.deepcopy(GROUP),
                 "contextActivities": {"parent": {"id": "http://example.com/course"},
                                       "other": [{"id": "http://example.com/o"}]},
                 "revision": "r2", "platform": "web", "language": "zh-Hant-TW",
                 "statement": {"objectType": "StatementRef",
                               "id": "f4a0f4c5-0f8a-4c1b-9d5e-6c1b2b9d4e11"},
                 "extensions": {}},
        timestamp="2024-01-02T03:04:05.678Z",
        stored="2024-01-02T03:04:06.000Z",
        authority={"objectType": "Agent", "account": {"homePage": "http://lrs.example",
                                                      "name": "client"}},
        version="1.0.3",
        attachments=[{"usageType": "http://example.com/usage", "display": {"en-US": "cert"},
                      "contentType": "application/pdf", "length": 12,
                      "sha2": "a" * 64, "fileUrl": "https://example.com/c.pdf"}],
    )


def errors_of(payload: Any, version: XapiVersion = V1) -> dict[str, str]:
    """``{path: message}`` of the InvalidStatement that ``payload`` must raise."""
    with pytest.raises(InvalidStatement) as caught:
        validate_statements(payload, version)
    return {d.path: d.message for d in caught.value.errors}


def accepted(payload: Any, version: XapiVersion = V1) -> list[dict[str, Any]]:
    return validate_statements(payload, version)
