"""A real OpenID Connect provider on 127.0.0.1 for the web UI's sign-in tests.

The provider is ``oidc-provider-mock`` (from PyPI) run as its own process, as an
identity provider runs: Weft discovers it through its metadata URL, redirects
the browser to it, and exchanges the code over HTTP. Its authorization step
takes the subject as the form field ``sub``; the person's claims (``email``,
``groups``) are set beforehand with ``PUT /users/<sub>``. Registered as a pytest
plugin by ``tests/conftest.py`` so that plugin tests sign people in too.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from flask.testing import FlaskClient

CLIENT_ID = "weft-test"
CLIENT_SECRET = "oidc-client-secret-never-logged"
ROLE_MAPPING = ("weft-admins=admin,weft-auditors=compliance_officer,"
                "weft-analysts=analyst")
START_TIMEOUT = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class OidcProvider:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def metadata_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    def set_person(self, sub: str, **claims: Any) -> None:
        response = httpx.put(f"{self.url}/users/{sub}", json=claims, timeout=10)
        assert response.status_code == 204, response.text

    def authorize(self, authorization_url: str, sub: str) -> str:
        """The person ``sub`` approves at the provider; the redirect back to Weft."""
        response = httpx.post(authorization_url, data={"sub": sub}, timeout=10)
        assert response.status_code == 302, response.text
        return response.headers["Location"]


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcProvider]:
    """``python -m oidc_provider_mock`` on a free loopback port, for the whole session."""
    port = free_port()
    log = tmp_path_factory.mktemp("oidc") / "provider.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1",
             "--port", str(port), "--require-nonce"],
            stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "NO_COLOR": "1"},
        )
    provider = OidcProvider(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            if httpx.get(provider.metadata_url, timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"OIDC provider did not start:\n{log.read_text()}")
        time.sleep(0.1)
    yield provider
    process.terminate()
    process.wait(timeout=10)


def sign_in(browser: FlaskClient, provider: OidcProvider, sub: str, **claims: Any) -> Any:
    """The whole authorization code flow; Weft's answer to the provider's redirect."""
    provider.set_person(sub, **claims)
    started = browser.get("/ui/sign-in/oidc")
    assert started.status_code == 302, started.get_data(as_text=True)
    back = urlsplit(provider.authorize(started.headers["Location"], sub))
    return browser.get(f"{back.path}?{back.query}")


def csrf_token(browser: FlaskClient, page: str = "/ui/") -> str:
    """The CSRF token of the browser's session, as a page's forms carry it."""
    html = browser.get(page).get_data(as_text=True)
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start:html.index('"', start)]
