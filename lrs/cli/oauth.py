"""``lrs oauth``: OAuth2 clients and the keys that sign their access tokens.

Each change is committed with its ``admin_action_taken`` event
(:func:`lrs.services.admin.announce_action`), like ``lrs credentials``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from lrs.cli.context import echo_grants, grant_options, tenant_option
from lrs.plugin.request import cli_actor, cli_source

if TYPE_CHECKING:
    from lrs.cli.context import Cli

TOKEN_EXAMPLE = (
    "curl -u {client_id}:{secret} -d grant_type=client_credentials -d scope=statements/write "
    "{url}/oauth/token"
)


@click.group()
def oauth() -> None:
    """OAuth2 client credentials: clients, token signing keys (docs/oauth.md)."""


@oauth.group()
def clients() -> None:
    """Machine clients that trade a client secret for short-lived access tokens."""


@clients.command(
    "create",
    epilog="""\b
Examples:
  lrs oauth clients create --name reporting --scope all/read
  lrs oauth clients create --name lms --scope statements/write --scope state --json""",
)
@grant_options("client_id")
@click.pass_obj
def create_client(
    obj: Cli, name: str, scopes: tuple[str, ...], authority: dict[str, Any] | None,
    tenant: str | None, as_json: bool,
) -> None:
    """Register a client and print its client_id and client_secret (shown this once).

    Its tokens act only in its store (--tenant).
    """
    from lrs.services import admin

    runtime = obj.runtime()
    issued = admin.create_oauth_client(runtime, actor=cli_actor(), name=name, scopes=list(scopes),
                                       authority=authority, tenant_id=obj.tenant_id(tenant),
                                       source=cli_source())
    if as_json:
        click.echo(json.dumps({"client_id": issued.key, "client_secret": issued.secret,
                               "name": name, "scopes": issued.scopes,
                               "authority": issued.authority, "tenant": tenant or "default"}))
        return
    url = "http://" + runtime.settings.bind.replace("0.0.0.0:", "127.0.0.1:")
    click.echo(
        f"Created OAuth client {name!r} allowed scope(s) {', '.join(scopes)}.\n\n"
        f"  client_id:     {issued.key}\n  client_secret: {issued.secret}\n\n"
        "The secret is shown only this once: store it now.\nGet a token:\n  "
        + TOKEN_EXAMPLE.format(client_id=issued.key, secret=issued.secret, url=url)
    )


@clients.command(
    "list",
    epilog="Examples:\n\n\b\n  lrs oauth clients list\n  lrs oauth clients list --tenant acme",
)
@tenant_option("Only this store's clients [default: every store's].")
@click.pass_obj
def list_clients(obj: Cli, tenant: str | None) -> None:
    """Show every OAuth client (never their secrets) with the store it belongs to."""
    from lrs.store import oauth_clients

    echo_grants(obj, tenant, oauth_clients.list_clients, key_title="CLIENT_ID",
                none_yet="No OAuth clients. Create one with: lrs oauth clients create "
                         "--name N --scope all")


@clients.command("revoke", epilog="Example:\n\n  lrs oauth clients revoke 3f9a0c...")
@click.argument("client_id")
@click.pass_obj
def revoke_client(obj: Cli, client_id: str) -> None:
    """Revoke CLIENT_ID: no new tokens, and the tokens it holds get 401 from now on."""
    from lrs.services import admin

    admin.revoke_oauth_client(obj.runtime(), actor=cli_actor(), client_id=client_id,
                              source=cli_source())
    click.echo(f"Revoked {client_id}.")


@oauth.command(
    "rotate-key",
    epilog="""\b
Example (e.g. monthly, or at once if a database dump leaked with LRS_SECRET_KEY):
  lrs oauth rotate-key""",
)
@click.pass_obj
def rotate_key(obj: Cli) -> None:
    """Sign new tokens with a fresh key; tokens signed before stay valid until they expire.

    The old key stays in /oauth/jwks for LRS_OAUTH_TOKEN_TTL_SECONDS, then drops out.
    """
    from lrs.auth.tokens import rotate_key as rotate
    from lrs.services.admin import announce_action

    runtime = obj.runtime()
    with runtime.db.write() as session:
        kid = rotate(session, runtime.settings.secret_key)
        announce_action(runtime, session, actor=cli_actor(), source=cli_source(),
                        action="oauth_key.rotated",
                        target=f"oauth_key:{kid}")
    click.echo(f"New signing key {kid} is in use.")


