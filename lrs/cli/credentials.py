"""``lrs credentials``: Basic-auth credentials for xAPI clients."""

from __future__ import annotations

import json
from typing import Any

import click

from lrs.cli.context import Cli, echo_grants, grant_options, tenant_option
from lrs.plugin.request import cli_actor, cli_source

CURL_EXAMPLE = (
    "curl -u {key}:{secret} -H 'X-Experience-API-Version: 2.0.0' {url}/statements"
)


SCIM_HINT = (
    "\nFor SCIM provisioning (Entra ID, Okta), give your identity provider:\n"
    "  tenant URL:   {url}  (your public https:// address)\n"
    "  secret token: {key}:{secret}  (sent as 'Authorization: Bearer ...')"
)


@click.group()
def credentials() -> None:
    """Basic-auth credentials for xAPI clients (LMS, authoring tools, reports)."""


@credentials.command(
    "create",
    epilog="""\b
Examples:
  lrs credentials create --name my-lms --scope all
  lrs credentials create --name reports --scope all/read
  lrs credentials create --name entra-id --scope scim --tenant acme
  lrs credentials create --name quiz --scope statements/write --scope state \\
      --authority '{"objectType": "Agent", "name": "Quiz", "mbox": "mailto:quiz@example.com"}'""",
)
@grant_options("key")
@click.pass_obj
def create_credential(
    obj: Cli, name: str, scopes: tuple[str, ...], authority: dict[str, Any] | None,
    tenant: str | None, as_json: bool,
) -> None:
    """Create a credential and print its key and secret.

    The secret is shown this once: only an HMAC of it is stored.
    """
    from lrs.services import admin

    issued = admin.create_credential(obj.runtime(), actor=cli_actor(), name=name,
                                     scopes=list(scopes), authority=authority,
                                     tenant_id=obj.tenant_id(tenant), source=cli_source())
    settings = obj.settings()
    if as_json:
        click.echo(json.dumps({"key": issued.key, "secret": issued.secret, "name": issued.name,
                               "scopes": issued.scopes, "authority": issued.authority,
                               "tenant": tenant or "default"}))
        return
    url = "http://" + settings.bind.replace("0.0.0.0:", "127.0.0.1:") + "/xapi"
    click.echo(
        f"Created credential {name!r} with scope(s) {', '.join(scopes)}.\n\n"
        f"  key:    {issued.key}\n  secret: {issued.secret}\n\n"
        "The secret is shown only this once: store it now.\nTry it:\n  "
        + CURL_EXAMPLE.format(key=issued.key, secret=issued.secret, url=url)
    )
    if "scim" in scopes:
        click.echo(SCIM_HINT.format(key=issued.key, secret=issued.secret,
                                    url=url.removesuffix("/xapi") + "/scim/v2"))


@credentials.command(
    "list", epilog="Examples:\n\n\b\n  lrs credentials list\n  lrs credentials list --tenant acme"
)
@tenant_option("Only this store's credentials [default: every store's].")
@click.pass_obj
def list_credentials(obj: Cli, tenant: str | None) -> None:
    """Show every credential (never their secrets) with the store it belongs to."""
    from lrs.store import credentials as store

    echo_grants(obj, tenant, store.list_credentials, key_title="KEY",
                none_yet="No credentials. Create one with: lrs credentials create --name N "
                         "--scope all")


@credentials.command("revoke", epilog="Example:\n\n  lrs credentials revoke 3f9a0c...")
@click.argument("key")
@click.pass_obj
def revoke_credential(obj: Cli, key: str) -> None:
    """Revoke the credential KEY: its requests get 401 from now on."""
    from lrs.services import admin

    admin.revoke_credential(obj.runtime(), actor=cli_actor(), key=key, source=cli_source())
    click.echo(f"Revoked {key}.")
