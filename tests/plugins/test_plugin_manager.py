"""Loading plugins: entry points, the block list, and refusing broken plugins at start-up."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from lrs.machinery.manager import PluginError, build_plugin_manager
from lrs.plugin.hookspecs import hookimpl
from tests.plugins.conftest import RecordingPlugin

GREETING_PLUGIN = """
from lrs.plugin.hookspecs import hookimpl

@hookimpl
def register_migrations():
    return []
"""


class Misspelled:
    plugin_name = "misspelled"

    @hookimpl
    def statement_stored(self, event: object) -> None:  # the hook is statements_stored
        raise AssertionError("never called")


class WrongArgument:
    plugin_name = "wrong-argument"

    @hookimpl
    def statements_stored(self, batch: object) -> None:  # no such argument
        raise AssertionError("never called")


def test_plugin_manager_loads_an_installed_entry_point(
    install_distribution: Callable[..., Path],
) -> None:
    install_distribution("weft-greeting", {"greeting": "weft_greeting"},
                         modules={"weft_greeting": GREETING_PLUGIN})
    [info] = [p for p in build_plugin_manager().list_plugins() if p.name == "greeting"]
    assert info.distribution == "weft-greeting 0.1.0"
    assert info.hooks == ("register_migrations",)


def test_plugin_manager_never_imports_a_disabled_plugin(
    install_distribution: Callable[..., Path],
) -> None:
    install_distribution("weft-broken", {"broken": "weft_broken"},
                         modules={"weft_broken": "raise ImportError('needs ldap3')"})
    names = [p.name for p in build_plugin_manager(" broken , other").list_plugins()]
    assert "broken" not in names


def test_plugin_manager_names_a_plugin_that_fails_to_import(
    install_distribution: Callable[..., Path],
) -> None:
    install_distribution("weft-broken", {"broken": "weft_broken"},
                         modules={"weft_broken": "raise ImportError('needs ldap3')"})
    with pytest.raises(PluginError, match=r"plugin 'broken' \(weft_broken\) failed to import: "
                                          r"needs ldap3"):
        build_plugin_manager()


def test_plugin_manager_refuses_an_unknown_hook_naming_the_plugin() -> None:
    with pytest.raises(PluginError, match=r"plugin 'misspelled'.*unknown hook 'statement_stored'"):
        build_plugin_manager(extra=[Misspelled()])


def test_plugin_manager_refuses_an_argument_the_hook_does_not_have() -> None:
    with pytest.raises(PluginError, match=r"(?s)plugin 'wrong-argument'.*{'batch'}"):
        build_plugin_manager(extra=[WrongArgument()])


def test_plugin_manager_blocks_extra_plugins_by_name_too() -> None:
    names = [p.name for p in build_plugin_manager("recording", [RecordingPlugin()]).list_plugins()]
    assert "recording" not in names


def test_plugin_manager_lists_extra_plugins_without_a_distribution() -> None:
    [info] = [p for p in build_plugin_manager(extra=[RecordingPlugin()]).list_plugins()
              if p.name == "recording"]
    assert info.distribution is None
    assert info.hooks == ("admin_action_taken", "check_statements", "documents_changed",
                          "erase_person", "notification_raised", "register_admin_pages",
                          "register_blueprints",
                          "register_connector_types", "register_metrics",
                          "register_scopes", "resolve_person", "statements_stored")


def test_create_app_fails_when_a_plugin_is_broken(make_settings: Callable[..., object]) -> None:
    from lrs.app import create_app

    with pytest.raises(PluginError, match="misspelled"):
        create_app(make_settings(), plugins=[Misspelled()])  # type: ignore[arg-type]
