"""``lrs.plugin.testing``: the pytest plugin Weft installs for plugin authors."""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lrs.plugin.testing import ApiCredential
from tests.plugins.conftest import RecordingPlugin, runtime


def test_lrs_testing_is_a_pytest11_entry_point_of_weft() -> None:
    [plugin] = [ep for ep in entry_points(group="pytest11") if ep.name == "lrs"]
    assert plugin.value == "lrs.plugin.testing"


def test_lrs_make_app_loads_no_installed_plugin_unless_asked(
    lrs_make_app: Callable[..., Flask],
) -> None:
    assert runtime(lrs_make_app()).plugins.list_plugins() == []


@pytest.fixture
def lrs_plugins() -> list[object]:
    return [RecordingPlugin()]


def test_overriding_lrs_plugins_loads_them_and_lrs_deliver_runs_post_commit_hooks(
    lrs_app: Flask, lrs_client: FlaskClient, lrs_credential: ApiCredential,
    lrs_deliver: Callable[..., int], lrs_statement: Callable[..., dict[str, Any]],
) -> None:
    recording = runtime(lrs_app).plugins.get_plugin("recording")
    sent = lrs_statement(result={"completion": True})
    response = lrs_client.post("/xapi/statements", json=[sent], headers=lrs_credential.headers)
    assert response.status_code == 200, response.get_json()
    assert recording.called("statements_stored") == []
    assert lrs_deliver() == 2  # the batch, and the start-up configuration record
    assert recording.called("admin_action_taken")[0]["event"].action == "configuration.recorded"
    [call] = recording.called("statements_stored")
    assert list(call["event"].statement_ids) == [sent["id"]]
    assert call["statements"][0]["result"] == {"completion": True}


def test_lrs_make_credential_grants_the_scopes_asked_for(
    lrs_app: Flask, lrs_client: FlaskClient, lrs_make_credential: Callable[..., ApiCredential],
) -> None:
    reader = lrs_make_credential("statements/read", "metrics/read")
    assert reader.scopes == ("statements/read", "metrics/read")
    assert lrs_client.get("/xapi/statements", headers=reader.headers).status_code == 200
    assert lrs_client.post("/xapi/statements", json=[],
                           headers=reader.headers).status_code == 403
