"""The Host's directory row ids (what a plugin's tables key people by) and sealing (how a
plugin keeps a secret it must use again)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from lrs.auth.sealing import UnsealError
from tests.plugins.conftest import runtime


def test_person_row_ids_and_employee_ids_of_go_both_ways_within_a_store(
    make_app: Callable[..., Flask],
) -> None:
    host = runtime(make_app()).host
    records = [{"employee_id": f"E{n}", "display_name": f"P{n}"} for n in range(1, 4)]
    assert not host.import_people(1, records, actor="test").errors
    ids = host.person_row_ids(1, ["E1", "E3", "E9"])
    assert set(ids) == {"E1", "E3"} and ids["E1"] != ids["E3"]
    assert host.employee_ids_of(1, [*ids.values(), 999_999]) == {v: k for k, v in ids.items()}
    assert host.person_row_ids(2, ["E1"]) == {}  # another store's people are not found
    assert host.employee_ids_of(2, list(ids.values())) == {}


def test_sealed_secrets_open_with_the_same_server_key_only(
    make_app: Callable[..., Flask],
) -> None:
    host = runtime(make_app()).host
    sealed = host.seal("private key")
    assert "private key" not in sealed and host.unseal(sealed) == "private key"
    other = runtime(make_app(secret_key="another server key of enough length!!")).host
    with pytest.raises(UnsealError):
        other.unseal(sealed)
