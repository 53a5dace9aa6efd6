"""Plain HTTP at ``/oauth/token`` and ``/oauth/revoke``: allowed only from a loopback peer.

The exemption looks at the connection's address, never at the ``Host`` header a
client chooses.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from lrs.store.credentials import IssuedCredential

MakeClient = Callable[..., IssuedCredential]
FORM = {"grant_type": "client_credentials"}


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]"])
def test_a_forged_loopback_host_from_a_remote_peer_is_refused(
    client: FlaskClient,
    make_client: MakeClient,
    host: str,
) -> None:
    oauth_client = make_client()
    remote = {"REMOTE_ADDR": "203.0.113.7"}
    for path, data in (("/oauth/token", FORM), ("/oauth/revoke", {"token": "x"})):
        response = client.post(
            f"http://{host}{path}",
            data=data,
            environ_base=remote,
            auth=(oauth_client.key, oauth_client.secret),
        )
        assert response.status_code == 400, path
        assert response.json["error"] == "insecure_transport"


@pytest.mark.parametrize("peer", ["127.0.0.1", "::1", "::ffff:127.0.0.1"])
def test_plain_http_from_a_loopback_peer_works_whatever_the_host(
    client: FlaskClient,
    make_client: MakeClient,
    peer: str,
) -> None:
    oauth_client = make_client()
    response = client.post(
        "http://lrs.example.com/oauth/token",
        data=FORM,
        environ_base={"REMOTE_ADDR": peer},
        auth=(oauth_client.key, oauth_client.secret),
    )
    assert response.status_code == 200, response.json


def test_https_from_anywhere_works(client: FlaskClient, make_client: MakeClient) -> None:
    oauth_client = make_client()
    response = client.post(
        "https://lrs.example.com/oauth/token",
        data=FORM,
        environ_base={"REMOTE_ADDR": "203.0.113.7"},
        auth=(oauth_client.key, oauth_client.secret),
    )
    assert response.status_code == 200, response.json
