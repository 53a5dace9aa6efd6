"""The web UI in a real headless Chromium, against a real gunicorn and a real OIDC provider
(``tests/browser.py``).

What only a browser shows: that the pages work under their Content-Security-Policy
(no inline script or style is blocked), that the session cookie survives the
round trip through the identity provider, and that a person can do their job by
clicking.
"""

from __future__ import annotations

import base64
from html import escape
from urllib.parse import urlencode
from urllib.request import Request, urlopen

import pytest
from playwright.sync_api import Page, expect

from tests.browser import collect_csp, sign_in
from tests.oidc import OidcProvider
from tests.serving import Server

pytestmark = pytest.mark.server


def test_admin_signs_in_through_the_idp_and_creates_a_credential(
    weft: Server, oidc_provider: OidcProvider, page: Page,
) -> None:
    base = weft.url.removesuffix("/xapi")
    oidc_provider.set_person("ada", email="ada@example.com", name="Ada Lovelace",
                             groups=["weft-admins"])
    blocked: list[str] = []
    page.on("console", lambda message: collect_csp(message, blocked))

    page.goto(f"{base}/ui/")
    assert page.url.startswith(f"{base}/ui/sign-in")
    page.get_by_role("link", name="Sign in with your company account").click()
    page.wait_for_url(f"{oidc_provider.url}/**")
    page.locator("input[name=sub]").first.fill("ada")
    page.get_by_role("button", name="Authorize").first.click()
    page.wait_for_url(f"{base}/ui/")

    navigation = page.get_by_role("navigation", name="Main")
    for entry in ("Home", "Credentials", "OAuth clients", "Plugins", "Dashboard"):
        expect(navigation.get_by_role("link", name=entry)).to_be_visible()
    assert page.locator(".who .person").inner_text() == "Ada Lovelace"

    navigation.get_by_role("link", name="Credentials").click()
    page.get_by_label("Name").fill("browser-lms")
    page.get_by_label("statements/write").check()
    page.get_by_label("state", exact=True).check()
    with page.expect_response(f"{base}/ui/admin/credentials") as created:
        page.get_by_role("button", name="Create").click()
    assert created.value.headers["cache-control"] == "no-store"
    expect(page.get_by_text("shown only this once")).to_be_visible()
    secret = page.locator("#issued-secret").inner_text()
    key = page.locator("#issued-key").inner_text()
    assert len(secret) >= 40

    page.get_by_role("link", name="Back to Credentials").click()
    listing = page.content()
    assert key in listing and "browser-lms" in listing and secret not in listing

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out")).to_be_visible()
    assert blocked == [], f"Content-Security-Policy blocked: {blocked}"


def test_analyst_sees_only_the_dashboard(
    weft: Server, oidc_provider: OidcProvider, page: Page,
) -> None:
    base = weft.url.removesuffix("/xapi")
    oidc_provider.set_person("ann", email="ann@example.com", groups=["weft-analysts"])
    sign_in(page, f"{base}/ui/dashboard", "ann")
    navigation = page.get_by_role("navigation", name="Main")
    expect(navigation.get_by_role("link", name="Dashboard")).to_be_visible()
    assert navigation.get_by_role("link", name="Credentials").count() == 0
    response = page.goto(f"{base}/ui/admin/credentials")
    assert response is not None and response.status == 403


#: A state document a credential holding only the ``state`` scope stores: were it run
#: on Weft's origin, it would use the signed-in admin's session to create itself an
#: ``all``-scope credential (the UI's form, with the CSRF token read from the page).
HOSTILE_DOCUMENT = """<html><body><script>
(async () => {
  const page = await (await fetch('/ui/admin/credentials')).text();
  const token = page.match(/name="csrf_token" value="([^"]+)"/)[1];
  const form = new URLSearchParams({csrf_token: token, name: 'stolen', scope: 'all'});
  await fetch('/ui/admin/credentials', {method: 'POST', body: form});
  document.title = 'pwned';
})();
</script></body></html>"""


def test_a_stored_document_never_runs_as_a_page_of_weft(
    weft: Server, oidc_provider: OidcProvider, page: Page,
) -> None:
    """Issue 15, item 1: a cross-site form (the 1.0.3 alternate request syntax, which
    takes credentials as form fields) opens a hostile HTML state document in a
    signed-in admin's browser. It must not run on Weft's origin."""
    base = weft.url.removesuffix("/xapi")
    oidc_provider.set_person("ada", email="ada@example.com", groups=["weft-admins"])
    sign_in(page, f"{base}/ui/", "ada")
    page.goto(f"{base}/ui/admin/credentials")
    page.get_by_label("Name").fill("quiz")
    page.get_by_label("state", exact=True).check()
    page.get_by_role("button", name="Create").click()
    key = page.locator("#issued-key").inner_text()
    secret = page.locator("#issued-secret").inner_text()
    authorization = "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()
    query = urlencode({"activityId": "http://example.com/a", "stateId": "s",
                       "agent": '{"mbox": "mailto:ada@example.com"}'})
    request = Request(f"{weft.url}/activities/state?{query}", method="PUT",
                      data=HOSTILE_DOCUMENT.encode(), headers={
                          "Authorization": authorization, "Content-Type": "text/html",
                          "X-Experience-API-Version": "1.0.3"})
    with urlopen(request) as response:
        assert response.status == 204

    # Another site's page (here: about:blank, an opaque origin) posts the form.
    fields = {"Authorization": authorization, "X-Experience-API-Version": "1.0.3",
              "activityId": "http://example.com/a", "stateId": "s",
              "agent": '{"mbox": "mailto:ada@example.com"}'}
    inputs = "".join(f'<input type="hidden" name="{name}" value="{escape(value)}">'
                     for name, value in fields.items())
    page.set_content(f'<form method="POST" action="{weft.url}/activities/state?method=GET">'
                     f"{inputs}</form>")
    with page.expect_download() as download:
        page.evaluate("document.forms[0].submit()")
    assert download.value.url.startswith(f"{weft.url}/activities/state")
    page.wait_for_timeout(500)  # what a script would have had to do its work
    assert page.title() != "pwned"
    page.goto(f"{base}/ui/admin/credentials")
    assert "quiz" in page.content() and "stolen" not in page.content()
