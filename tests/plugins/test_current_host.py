"""``current_host()``: the host of the running application or ``lrs`` command."""

from __future__ import annotations

from collections.abc import Callable

import click
import pytest
from click.testing import CliRunner
from flask import Flask

from lrs.cli import cli
from lrs.plugin.host import current_host
from tests.conftest import INSTALLED_PLUGINS, TEST_SECRET_KEY
from tests.plugins.conftest import runtime


def test_current_host_is_the_apps_host_in_an_app_context(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    with app.app_context():
        assert current_host() is runtime(app).host


def test_current_host_is_the_host_lrs_builds_for_its_commands(database_url: str) -> None:
    seen = []

    @click.command("host-probe")
    def probe() -> None:
        host = current_host()
        seen.append(host)
        click.echo(host.settings.database_url)

    group = click.Group("lrs", commands={**cli.commands, "host-probe": probe},
                        params=cli.params, callback=cli.callback)
    runner = CliRunner(env={"LRS_SECRET_KEY": TEST_SECRET_KEY, "LRS_AUTO_MIGRATE": "false",
                            "LRS_DISABLED_PLUGINS": INSTALLED_PLUGINS})
    result = runner.invoke(group, ["--database", database_url, "host-probe"])
    assert result.exit_code == 0, result.output
    assert result.output == database_url + "\n" and len(seen) == 1


def test_current_host_outside_an_app_or_command_says_where_to_call_it() -> None:
    with pytest.raises(RuntimeError, match="inside an lrs command, a request or an application"):
        current_host()
    with click.Context(click.Command("bare")), pytest.raises(RuntimeError):
        current_host()
