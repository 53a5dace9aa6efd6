"""``lrs oauth``: clients create/list/revoke and rotate-key, through click's runner."""

from __future__ import annotations

import json
from collections.abc import Callable

import click
import pytest
from click.testing import CliRunner, Result
from flask.testing import FlaskClient

from lrs.cli.context import Cli
from lrs.cli.oauth import oauth
from lrs.store.credentials import IssuedCredential
from tests.auth.conftest import bearer, request_token, token
from tests.conftest import TEST_SECRET_KEY


@pytest.fixture
def lrs_oauth(database_url: str) -> Callable[..., Result]:
    """Run ``lrs oauth ARGS...`` on the test database (as ``lrs`` would, with --database)."""

    @click.group()
    @click.pass_context
    def root(ctx: click.Context) -> None:
        ctx.obj = Cli(database_url, ctx)

    root.add_command(oauth)
    runner = CliRunner(env={"LRS_SECRET_KEY": TEST_SECRET_KEY, "LRS_AUTO_MIGRATE": "false"})
    return lambda *args: runner.invoke(root, ["oauth", *args])


def created(result: Result) -> IssuedCredential:
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    return IssuedCredential(data["client_id"], data["client_secret"], data["name"],
                            data["scopes"], data["authority"])


def test_cli_clients_create_gives_working_client(
    lrs_oauth: Callable[..., Result], client: FlaskClient
):
    oauth_client = created(lrs_oauth("clients", "create", "--name", "lms",
                                     "--scope", "statements/write", "--json"))

    response = request_token(client, oauth_client)

    assert response.status_code == 200
    assert response.json["scope"] == "statements/write"


def test_cli_clients_create_prints_secret_once_with_example(lrs_oauth: Callable[..., Result]):
    result = lrs_oauth("clients", "create", "--name", "lms", "--scope", "all")

    assert result.exit_code == 0, result.output
    assert "client_secret:" in result.output
    assert "grant_type=client_credentials" in result.output


def test_cli_clients_list_shows_clients_without_secrets(lrs_oauth: Callable[..., Result]):
    oauth_client = created(lrs_oauth("clients", "create", "--name", "reports",
                                     "--scope", "all/read", "--json"))

    result = lrs_oauth("clients", "list")

    assert result.exit_code == 0, result.output
    assert oauth_client.key in result.output
    assert "reports" in result.output
    assert oauth_client.secret not in result.output


def test_cli_clients_revoke_stops_its_tokens(
    lrs_oauth: Callable[..., Result], client: FlaskClient
):
    oauth_client = created(lrs_oauth("clients", "create", "--name", "lms", "--scope", "all",
                                     "--json"))
    access_token = token(client, oauth_client)

    result = lrs_oauth("clients", "revoke", oauth_client.key)

    assert result.exit_code == 0, result.output
    assert client.get("/xapi/statements", headers=bearer(access_token)).status_code == 401


def test_cli_clients_revoke_unknown_fails(lrs_oauth: Callable[..., Result]):
    result = lrs_oauth("clients", "revoke", "nope")

    assert result.exit_code != 0
    assert "no active OAuth client" in str(result.exception) + result.output


def test_cli_rotate_key_changes_signing_key(
    lrs_oauth: Callable[..., Result], client: FlaskClient
):
    oauth_client = created(lrs_oauth("clients", "create", "--name", "lms", "--scope", "all",
                                     "--json"))
    before = token(client, oauth_client)

    result = lrs_oauth("rotate-key")

    assert result.exit_code == 0, result.output
    kids = [key["kid"] for key in client.get("/oauth/jwks").json["keys"]]
    assert len(kids) == 2
    assert kids[0] in result.output
    assert client.get("/xapi/statements", headers=bearer(before)).status_code == 200
