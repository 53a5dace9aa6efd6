"""``register_connector_types``: a registry per application, names unique across plugins."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from marshmallow import Schema, fields

from lrs.machinery.manager import PluginError
from lrs.plugin.connectors import ConnectorConfigError, ConnectorType, SyncRun, SyncSummary
from lrs.plugin.hookspecs import hookimpl
from tests.plugins.conftest import runtime


class TokenConfig(Schema):
    token = fields.String(required=True)
    page_size = fields.Integer(load_default=100)


class Nothing:
    def __init__(self, host: Any, config: dict[str, Any]) -> None:
        self.config = config

    def sync(self, run: SyncRun) -> SyncSummary:
        return SyncSummary(messages=(f"page size {self.config['page_size']}",))


LMS = ConnectorType(name="lms", description="An LMS.", config_schema=TokenConfig, create=Nothing)


class ConnectorPlugin:
    def __init__(self, *types: Any, name: str = "lms-plugin") -> None:
        self.plugin_name = name
        self.types = list(types) or [LMS]

    @hookimpl
    def register_connector_types(self, host: Any) -> Any:
        return self.types


def test_connector_types_are_registered_with_their_plugin(make_app: Callable[..., Flask]) -> None:
    registry = runtime(make_app(ConnectorPlugin())).connector_types
    [lms] = list(registry)
    assert (lms.name, lms.origin, lms.config_fields()) == ("lms", "lms-plugin",
                                                          ["token*", "page_size"])
    assert registry.get("lms") is lms and registry.get("hris") is None


def test_a_configured_connector_gets_the_loaded_configuration(
    make_app: Callable[..., Flask],
) -> None:
    host = runtime(make_app(ConnectorPlugin())).host
    summary = LMS.configure(host, {"token": "t"}).sync(SyncRun(tenant_id=1))
    assert summary.messages == ("page size 100",)
    with pytest.raises(ConnectorConfigError) as refused:
        LMS.configure(host, {"token": 3, "page_size": "many"})
    assert refused.value.status == 400
    assert refused.value.as_dict() == {
        "error": "invalid_connector_config",
        "message": "connector type 'lms': invalid configuration: $.token: Not a valid string.; "
                   "$.page_size: Not a valid integer.",
        "errors": [{"path": "$.token", "message": "Not a valid string."},
                   {"path": "$.page_size", "message": "Not a valid integer."}],
    }


@pytest.mark.parametrize(("plugins", "message"), [
    ([ConnectorPlugin(name="a"), ConnectorPlugin(name="b")],
     "plugin 'b': connector type 'lms' is already registered by a"),
    ([ConnectorPlugin(ConnectorType(name="My LMS", description="", config_schema=TokenConfig,
                                    create=Nothing))], "connector type name 'My LMS' must be"),
    ([ConnectorPlugin(object())], "register_connector_types must return ConnectorType objects"),
])
def test_bad_connector_types_stop_start_up_naming_the_plugin(
    make_app: Callable[..., Flask], plugins: list[Any], message: str,
) -> None:
    with pytest.raises(PluginError, match=message):
        make_app(*plugins)
