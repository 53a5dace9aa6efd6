"""``lrs users``: people who sign in to the web UI without the identity provider.

Only the bootstrap admin: everyone else signs in through single sign-on
(docs/sso.md). The command refuses unless ``LRS_LOCAL_LOGIN`` is on, so a
password admin cannot be created (and forgotten) on a deployment that does
not accept them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from lrs.plugin.request import cli_actor, cli_source

if TYPE_CHECKING:
    from lrs.cli.context import Cli


@click.group()
def users() -> None:
    """Local web UI admins (bootstrap before single sign-on is set up)."""


@users.command(
    "create-local-admin",
    epilog="""\b
Example:
  LRS_LOCAL_LOGIN=true lrs users create-local-admin admin@example.com""",
)
@click.argument("email")
@click.pass_obj
def create_local_admin(obj: Cli, email: str) -> None:
    """Create a local admin EMAIL who signs in to /ui with a password (role admin).

    The password is asked for twice, never taken from the command line (where
    shell history and process listings would keep it).
    """
    from lrs.auth.passwords import MIN_LENGTH
    from lrs.services import admin

    if not obj.settings().local_login:
        raise click.ClickException(
            "local sign-in is off: set LRS_LOCAL_LOGIN=true (for the server too) to "
            "bootstrap a local admin")
    if "@" not in email:
        raise click.BadParameter("give an e-mail address", param_hint="EMAIL")
    password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_LENGTH:
        raise click.BadParameter(f"use at least {MIN_LENGTH} characters",
                                 param_hint="password")
    admin.create_local_admin(obj.runtime(), actor=cli_actor(), email=email, password=password,
                             source=cli_source())
    click.echo(f"Created local admin {email}. Sign in at /ui/sign-in while LRS_LOCAL_LOGIN is "
               "on; turn it off once single sign-on works.")
