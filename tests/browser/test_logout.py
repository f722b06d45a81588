"""Logout in a real browser: a single-page app using oidc-client-ts (the npm library, pinned in
tests/browser/spa) signs out with signoutRedirect(); Portico ends its session, loads the other app's
front-channel logout iframe (Front-Channel Logout 1.0 4) and returns to the app, whose own session ends."""

import base64
import json
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge

pytestmark = pytest.mark.django_db(transaction=True)
LIBRARY = (
    Path(__file__).parent
    / "spa"
    / "node_modules"
    / "oidc-client-ts"
    / "dist"
    / "browser"
    / "oidc-client-ts.min.js"
)

SPA_JS = """
var mgr = new oidc.UserManager(SETTINGS);
window.portico = {
  store: function (tokens) {
    var claims = JSON.parse(atob(tokens.id_token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
    return mgr.storeUser(new oidc.User({id_token: tokens.id_token, access_token: tokens.access_token,
      token_type: "Bearer", scope: "openid", profile: claims, expires_at: claims.exp}));
  },
  signOut: function () { return mgr.signoutRedirect({state: "from-the-spa"}); },
};
if (location.pathname === "/spa/signed-out") {
  mgr.signoutRedirectCallback().then(function (response) {
    return mgr.getUser().then(function (user) {
      document.getElementById("status").textContent =
        "app signed out: " + response.userState + (user === null ? ", no user" : ", user kept");
    });
  }, function (error) { document.getElementById("status").textContent = "error: " + error.message; });
}
"""
SPA_HTML = b'<!doctype html><title>SPA</title><p id="status">ready</p><script src="/spa/oidc-client-ts.min.js"></script><script src="/spa/app.js"></script>'


def authorize_in_browser(page, issuer, rp, user=None) -> tuple[str, str]:
    """The browser goes through /authorize (signing in first when asked); returns (code, verifier)."""
    verifier = generate_token(48)
    query = {
        "response_type": "code",
        "client_id": rp.client_id,
        "redirect_uri": rp.redirect_uris.split()[0],
        "scope": "openid",
        "state": generate_token(12),
        "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256",
    }
    page.goto(issuer + "/authorize?" + urlencode(query))
    if user is not None:
        page.get_by_label("Username or email").fill(user.username)
        page.get_by_label("Password").fill(user.raw_password)
        page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(rp.redirect_uris.split()[0] + "?**")
    return parse_qs(urlsplit(page.url).query)["code"][0], verifier


def test_oidc_client_ts_signout_redirect_ends_both_sessions_and_loads_frontchannel(
    live_server,
    issuer_at,
    page,
    shot,
    make_user,
    make_client,
    receiver,
):
    issuer = issuer_at(live_server.url)
    user = make_user()
    other, _secret = make_client(
        name="Other App",
        redirect_uris=(receiver.url("/other/callback"),),
        frontchannel_logout_uri=receiver.url("/frontchannel"),
        frontchannel_logout_session_required=True,
        skip_consent=True,
    )
    spa, _none = make_client(
        confidential=False,
        name="The SPA",
        redirect_uris=(receiver.url("/spa/callback"),),
        post_logout_redirect_uris=[receiver.url("/spa/signed-out")],
        skip_consent=True,
    )
    settings = {
        "authority": issuer,
        "client_id": spa.client_id,
        "redirect_uri": receiver.url("/spa/callback"),
        "post_logout_redirect_uri": receiver.url("/spa/signed-out"),
        "response_type": "code",
        "scope": "openid",
    }
    receiver.pages.update(
        {
            "/spa/oidc-client-ts.min.js": ("text/javascript", LIBRARY.read_bytes()),
            "/spa/app.js": ("text/javascript", SPA_JS.replace("SETTINGS", json.dumps(settings)).encode()),
            "/spa/app.html": ("text/html", SPA_HTML),
            "/spa/signed-out": ("text/html", SPA_HTML),
        }
    )

    authorize_in_browser(page, issuer, other, user)  # signed in to Portico, through the other app
    code, verifier = authorize_in_browser(page, issuer, spa)  # the SPA: same Portico session, no page
    tokens = requests.post(
        issuer + "/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": verifier,
            "client_id": spa.client_id,
            "redirect_uri": settings["redirect_uri"],
        },
        timeout=10,
    ).json()
    page.goto(receiver.url("/spa/app.html"))
    page.evaluate("tokens => window.portico.store(tokens)", tokens)

    page.evaluate("() => { window.portico.signOut(); }")  # navigates away: nothing to wait for here
    page.wait_for_url(receiver.url("/spa/signed-out") + "?**")
    page.wait_for_function("document.getElementById('status').textContent.startsWith('app')")
    shot("spa-signed-out")
    assert page.inner_text("#status") == "app signed out: from-the-spa, no user"

    sid = json.loads(base64.urlsafe_b64decode(tokens["id_token"].split(".")[1] + "=="))["sid"]
    frontchannel = [path for path in receiver.gets if path.startswith("/frontchannel")]
    assert len(frontchannel) == 1
    assert parse_qs(urlsplit(frontchannel[0]).query) == {"iss": [issuer], "sid": [sid]}

    page.goto(issuer + "/")
    assert "/login" in page.url  # Portico's own session ended too
