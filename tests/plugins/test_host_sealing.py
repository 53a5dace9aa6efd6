"""The Host's sealing: how a plugin keeps a secret it must use again."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from lrs.auth.sealing import UnsealError
from tests.plugins.conftest import runtime


def test_sealed_secrets_open_with_the_same_server_key_only(
    make_app: Callable[..., Flask],
) -> None:
    host = runtime(make_app()).host
    sealed = host.seal("private key")
    assert "private key" not in sealed and host.unseal(sealed) == "private key"
    other = runtime(make_app(secret_key="another server key of enough length!!")).host
    with pytest.raises(UnsealError):
        other.unseal(sealed)
