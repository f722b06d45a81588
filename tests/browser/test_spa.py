"""A single-page app on its own origin signs in with oidc-client-ts (the npm library, pinned in
tests/browser/spa) in chromium, on the library's defaults apart from URLs and scope: code flow with PKCE as a
public client, the consent page (offline access in plain words, no prompt=consent), then refresh, userinfo
and revocation, each a cross-origin fetch that Portico's CORS answers allow (preflight included); a page on
an origin the client does not allow cannot read the answers."""

import json

import pytest
import requests

from tests.browser.test_logout import LIBRARY, authorize_in_browser
from tests.guides import GUIDES, register

pytestmark = pytest.mark.django_db(transaction=True)

SPA_JS = """
var mgr = new oidc.UserManager(SETTINGS);
function show(text) { document.getElementById("status").textContent = text; }
window.portico = {
  signIn: function () { return mgr.signinRedirect(); },
  refresh: function () {
    return mgr.getUser().then(function (before) {
      return mgr.signinSilent().then(function (after) {
        return {changed: after.access_token !== before.access_token,
                rotated: after.refresh_token !== before.refresh_token, scope: after.scope};
      });
    });
  },
  userinfo: function () {
    return mgr.getUser().then(function (user) {
      return mgr.metadataService.getUserInfoEndpoint().then(function (endpoint) {
        return fetch(endpoint, {headers: {Authorization: "Bearer " + user.access_token}})
          .then(function (response) { return response.json(); });
      });
    });
  },
  revoke: function () {
    return mgr.getUser().then(function (user) {
      return mgr.revokeTokens(["access_token", "refresh_token"]).then(function () {
        return {access_token: user.access_token, refresh_token: user.refresh_token};
      });
    });
  },
  tryUserinfo: function (endpoint, token) {
    return fetch(endpoint, {headers: {Authorization: "Bearer " + token}}).then(
      function (response) { return "read " + response.status; },
      function (error) { return "blocked: " + error.name; });
  },
  tryToken: function (endpoint, body) {
    return fetch(endpoint, {method: "POST", body: new URLSearchParams(body)}).then(
      function (response) { return "read " + response.status; },
      function (error) { return "blocked: " + error.name; });
  },
};
if (location.pathname === "/callback") {
  mgr.signinRedirectCallback().then(function (user) {
    show("signed in: " + JSON.stringify({sub: user.profile.sub, name: user.profile.name || null,
      refresh: Boolean(user.refresh_token), scope: user.scope}));
  }, function (error) { show("error: " + error.message); });
}
"""
SPA_HTML = (
    b'<!doctype html><title>SPA</title><p id="status">ready</p>'
    b'<script src="/spa/oidc-client-ts.min.js"></script><script src="/spa/app.js"></script>'
)


def _serve_spa(receiver, settings: dict) -> None:
    receiver.pages.update(
        {
            "/spa/oidc-client-ts.min.js": ("text/javascript", LIBRARY.read_bytes()),
            "/spa/app.js": ("text/javascript", SPA_JS.replace("SETTINGS", json.dumps(settings)).encode()),
            "/spa/app.html": ("text/html", SPA_HTML),
            "/callback": ("text/html", SPA_HTML),
        }
    )


def _sign_in(page, receiver, user, shot) -> dict:
    page.goto(receiver.url("/spa/app.html"))
    page.evaluate("() => { window.portico.signIn(); }")  # navigates to Portico
    page.get_by_label("Username or email").fill(user.username)
    page.get_by_label("Password").fill(user.raw_password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("button", name="Allow").wait_for()
    shot("consent")
    assert "Keep access when you are not using the app" in page.inner_text("main")
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(receiver.url("/callback") + "?**")
    page.wait_for_function("document.getElementById('status').textContent !== 'ready'")
    status = page.inner_text("#status")
    assert status.startswith("signed in: "), status
    return json.loads(status.removeprefix("signed in: "))


def test_spa_signs_in_refreshes_reads_userinfo_and_revokes_cross_origin(
    live_server, issuer_at, page, shot, make_user, receiver
):
    issuer = issuer_at(live_server.url)
    user = make_user(first_name="Ada", last_name="Lovelace")
    registered = register(GUIDES / "spa-oidc-client-ts.md", receiver.base)  # the guide's command
    assert receiver.base.split("/")[2] != issuer.split("/")[2]  # another origin than Portico's
    settings = {  # the guide's configuration
        "authority": issuer,
        "client_id": registered["client_id"],
        "redirect_uri": receiver.url("/callback"),
        "scope": "openid profile offline_access",
        "loadUserInfo": True,
    }
    _serve_spa(receiver, settings)

    signed_in = _sign_in(page, receiver, user, shot)
    assert signed_in == {
        "sub": user.sub,
        "name": "Ada Lovelace",  # from userinfo (loadUserInfo): a cross-origin GET with a preflight
        "refresh": True,  # offline_access consented on the page, without prompt=consent (Core 11)
        "scope": "openid profile offline_access",
    }

    refreshed = page.evaluate("() => window.portico.refresh()")
    assert refreshed == {"changed": True, "rotated": True, "scope": "openid profile offline_access"}

    claims = page.evaluate("() => window.portico.userinfo()")
    assert claims["sub"] == user.sub and claims["name"] == "Ada Lovelace"

    revoked = page.evaluate("() => window.portico.revoke()")
    answer = requests.get(
        issuer + "/userinfo", headers={"Authorization": "Bearer " + revoked["access_token"]}, timeout=10
    )
    assert answer.status_code == 401
    reuse = requests.post(
        issuer + "/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": revoked["refresh_token"],
            "client_id": registered["client_id"],
        },
        timeout=10,
    )
    assert reuse.json()["error"] == "invalid_grant"


def test_page_on_an_origin_the_client_does_not_allow_cannot_read_answers(
    live_server, issuer_at, page, make_user, make_client, receiver
):
    issuer = issuer_at(live_server.url)
    user = make_user()
    # The client allows only another origin: the receiver's pages may not read its answers.
    spa, _none = make_client(
        confidential=False,
        redirect_uris=(receiver.url("/spa/callback"),),
        allowed_origins="https://spa.example.org",
        skip_consent=True,
    )
    _serve_spa(
        receiver, {"authority": issuer, "client_id": spa.client_id, "redirect_uri": receiver.url("/cb")}
    )
    code, verifier = authorize_in_browser(page, issuer, spa, user)
    token = requests.post(
        issuer + "/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": verifier,
            "client_id": spa.client_id,
            "redirect_uri": receiver.url("/spa/callback"),
        },
        timeout=10,
    ).json()["access_token"]
    page.goto(receiver.url("/spa/app.html"))
    endpoint = issuer + "/userinfo"
    assert (
        page.evaluate("([e, t]) => window.portico.tryUserinfo(e, t)", [endpoint, token])
        == "blocked: TypeError"
    )
    body = {"grant_type": "refresh_token", "refresh_token": "x", "client_id": spa.client_id}
    assert page.evaluate("([e, b]) => window.portico.tryToken(e, b)", [issuer + "/token", body]) == (
        "blocked: TypeError"
    )
