"""RP-Initiated Logout 1.0 over HTTP, one test per module of the OpenID Foundation's RP-initiated logout
certification plan for OPs (oidcc-rp-initiated-logout-*), plus the rules around them. The app signs in with
Authlib; its id_token is the id_token_hint."""

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from tests.oauth import assert_oauth_error
from tests.protocol.logout_support import form_field, sign_in, signed_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def portico(live_server, issuer_at):
    return issuer_at(live_server.url)


@pytest.fixture
def app(make_client, receiver):
    rp, secret = make_client(
        name="Logout RP",
        redirect_uris=(receiver.url("/callback"),),
        post_logout_redirect_uris=[receiver.url("/signed-out"), receiver.url("/signed-out?from=portico")],
        backchannel_logout_uri=receiver.url("/backchannel"),
        skip_consent=True,
    )
    return rp, secret


@pytest.fixture
def session(portico, app, make_user):
    """A person signed in to Portico through the app: (browser, token response, user)."""
    user = make_user()
    browser = requests.Session()
    token = sign_in(portico, browser, *app, user)
    assert signed_in(portico, browser)
    return browser, token, user


def end_session(portico, browser, method="GET", **params):
    if method == "POST":
        return browser.post(portico + "/end-session", data=params, allow_redirects=False)
    return browser.get(portico + "/end-session?" + urlencode(params), allow_redirects=False)


def assert_error_page(response, description):
    assert response.status_code == 400 and "Location" not in response.headers
    assert "invalid_request" in response.text and description in response.text


def test_oidcc_rp_initiated_logout(portico, app, session, receiver):
    """id_token_hint naming the signed-in person + registered URI + state: signed out, back with state."""
    browser, token, _user = session
    target = receiver.url("/signed-out")
    response = end_session(
        portico, browser, id_token_hint=token["id_token"], post_logout_redirect_uri=target, state="xyz"
    )
    assert response.status_code == 302
    assert response.headers["Location"] == target + "?state=xyz"
    assert not signed_in(portico, browser)
    # Core 11: the session's (non-offline_access) access token ended with it.
    userinfo = requests.get(
        portico + "/userinfo", headers={"Authorization": "Bearer " + token["access_token"]}
    )
    assert_oauth_error(userinfo, 401, "invalid_token")


def test_oidcc_rp_initiated_logout_query_post(portico, app, session, receiver):
    """Section 2: the same request as a form POST."""
    browser, token, _user = session
    target = receiver.url("/signed-out")
    response = end_session(
        portico, browser, "POST", id_token_hint=token["id_token"], post_logout_redirect_uri=target, state="s1"
    )
    assert response.status_code == 302 and response.headers["Location"] == target + "?state=s1"
    assert not signed_in(portico, browser)


def test_oidcc_rp_initiated_logout_query_added_to_post_logout_redirect_uri(portico, app, session, receiver):
    """Section 3: state is added to the registered URI's own query, which is kept."""
    browser, token, _user = session
    target = receiver.url("/signed-out?from=portico")
    response = end_session(
        portico, browser, id_token_hint=token["id_token"], post_logout_redirect_uri=target, state="s2"
    )
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/signed-out" and parse_qs(location.query) == {
        "from": ["portico"],
        "state": ["s2"],
    }


def test_oidcc_rp_initiated_logout_no_state(portico, app, session, receiver):
    browser, token, _user = session
    target = receiver.url("/signed-out")
    response = end_session(portico, browser, id_token_hint=token["id_token"], post_logout_redirect_uri=target)
    assert response.status_code == 302 and response.headers["Location"] == target


def test_oidcc_rp_initiated_logout_only_state(portico, app, session):
    """state without a post_logout_redirect_uri: signed out, the signed-out page, state goes nowhere."""
    browser, token, _user = session
    response = end_session(portico, browser, id_token_hint=token["id_token"], state="lonely")
    assert response.status_code == 200 and "You are signed out" in response.text
    assert "lonely" not in response.text
    assert not signed_in(portico, browser)


def test_oidcc_rp_initiated_logout_no_post_logout_redirect_uri(portico, app, session):
    browser, token, _user = session
    response = end_session(portico, browser, id_token_hint=token["id_token"])
    assert response.status_code == 200 and "You are signed out" in response.text
    assert "Logout RP" in response.text  # among the apps that were told (by back-channel)
    assert not signed_in(portico, browser)


def test_oidcc_rp_initiated_logout_bad_post_logout_redirect_uri(portico, app, session, receiver):
    """Section 3: an unregistered URI (even a prefix match) is never redirected to; nothing is ended."""
    browser, token, _user = session
    for bad in (receiver.url("/signed-out/extra"), receiver.url("/signed-outx"), "https://evil.example/"):
        response = end_session(
            portico, browser, id_token_hint=token["id_token"], post_logout_redirect_uri=bad
        )
        assert_error_page(response, "post_logout_redirect_uri is not registered")
    assert signed_in(portico, browser)


def test_oidcc_rp_initiated_logout_modified_id_token_hint(portico, app, session):
    """A hint whose signature does not verify is refused with an error page, not a logout."""
    browser, token, _user = session
    header, payload, signature = token["id_token"].split(".")
    tampered = f"{header}.{payload}.{signature[:-4]}AAAA"
    response = end_session(portico, browser, id_token_hint=tampered)
    assert_error_page(response, "id_token_hint was not issued by this provider")
    assert signed_in(portico, browser)


def test_oidcc_rp_initiated_logout_bad_id_token_hint(portico, app, session):
    """A JWT from another issuer (signed with a key Portico never published) is not a hint."""
    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    browser, _token, user = session
    foreign_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    foreign = jwt.encode(
        {"iss": portico, "sub": user.sub, "aud": app[0].client_id, "iat": 1, "exp": 2**31},
        foreign_key,
        algorithm="RS256",
        headers={"kid": "not-ours"},
    )
    response = end_session(portico, browser, id_token_hint=foreign)
    assert_error_page(response, "id_token_hint was not issued by this provider")
    assert signed_in(portico, browser)


def test_oidcc_rp_initiated_logout_expired_id_token_hint_accepted(
    portico, app, make_user, settings, receiver
):
    """Section 2: an expired id_token_hint still identifies the person and the app."""
    settings.PORTICO_ID_TOKEN_TTL = -60
    browser = requests.Session()
    token = sign_in(portico, browser, *app, make_user())
    target = receiver.url("/signed-out")
    response = end_session(portico, browser, id_token_hint=token["id_token"], post_logout_redirect_uri=target)
    assert response.status_code == 302 and response.headers["Location"] == target
    assert not signed_in(portico, browser)


def test_oidcc_rp_initiated_logout_no_id_token_hint(portico, app, session, receiver):
    """Only a client_id: the person confirms on a CSRF-protected page first (section 6); then the redirect."""
    browser, _token, _user = session
    target = receiver.url("/signed-out")
    page = end_session(
        portico, browser, client_id=app[0].client_id, post_logout_redirect_uri=target, state="s3"
    )
    assert page.status_code == 200 and "asks to sign you out" in page.text
    assert signed_in(portico, browser)  # a cross-site GET alone never signs anyone out
    forged = browser.post(
        portico + "/end-session/confirm", data={"request": form_field(page.text, "request")}
    )
    assert forged.status_code == 403  # no CSRF token: refused
    assert signed_in(portico, browser)
    confirmed = browser.post(
        portico + "/end-session/confirm",
        data={
            "csrfmiddlewaretoken": form_field(page.text, "csrfmiddlewaretoken"),
            "request": form_field(page.text, "request"),
        },
        headers={"Referer": page.url},
        allow_redirects=False,
    )
    assert confirmed.status_code == 302 and confirmed.headers["Location"] == target + "?state=s3"
    assert not signed_in(portico, browser)


def test_oidcc_rp_initiated_logout_no_params(portico, session):
    """Nothing at all: the confirmation page, then Portico's own signed-out page."""
    browser, _token, _user = session
    page = end_session(portico, browser)
    assert page.status_code == 200 and "Sign out of Portico?" in page.text
    confirmed = browser.post(
        portico + "/end-session/confirm",
        data={
            "csrfmiddlewaretoken": form_field(page.text, "csrfmiddlewaretoken"),
            "request": form_field(page.text, "request"),
        },
        headers={"Referer": page.url},
    )
    assert confirmed.status_code == 200 and "You are signed out" in confirmed.text
    assert not signed_in(portico, browser)


def test_rp_initiated_logout_hint_for_someone_else_asks_first(portico, app, session, make_user):
    """A valid id_token_hint of another person does not sign this one out silently."""
    browser, _token, _user = session
    other = sign_in(portico, requests.Session(), *app, make_user())
    page = end_session(portico, browser, id_token_hint=other["id_token"])
    assert page.status_code == 200 and "asks to sign you out" in page.text
    assert signed_in(portico, browser)


def test_rp_initiated_logout_redirect_uri_needs_a_known_client(portico, session, receiver):
    """Section 3: without client_id or id_token_hint there is no registered list to match against."""
    browser, _token, _user = session
    response = end_session(portico, browser, post_logout_redirect_uri=receiver.url("/signed-out"))
    assert_error_page(response, "needs client_id or id_token_hint")
    response = end_session(
        portico, browser, client_id="no-such-app", post_logout_redirect_uri="https://x.example/"
    )
    assert_error_page(response, "application is not known")
    assert signed_in(portico, browser)


def test_rp_initiated_logout_client_id_must_match_the_hint(portico, session, make_client):
    browser, token, _user = session
    other, _secret = make_client(name="Other")
    response = end_session(portico, browser, id_token_hint=token["id_token"], client_id=other.client_id)
    assert_error_page(response, "client_id does not match the id_token_hint")
    assert signed_in(portico, browser)


def test_rp_initiated_logout_without_a_session_goes_back(portico, app, receiver):
    """Nobody signed in here: nothing to confirm, straight back to the registered URI."""
    target = receiver.url("/signed-out")
    response = end_session(
        portico, requests.Session(), client_id=app[0].client_id, post_logout_redirect_uri=target
    )
    assert response.status_code == 302 and response.headers["Location"] == target


def test_rp_initiated_logout_ui_locales(portico, session):
    """Section 2: ui_locales chooses the language of the pages shown."""
    browser, _token, _user = session
    page = end_session(portico, browser, ui_locales="fr-CA en")
    assert page.status_code == 200 and '<html lang="fr">' in page.text


def test_oidcc_logout_discovery_verification(portico):
    """RP-Initiated 2.1, Back-Channel 2.1, Front-Channel 3: what discovery advertises, and that it works."""
    metadata = requests.get(portico + "/.well-known/openid-configuration", timeout=10).json()
    assert metadata["end_session_endpoint"] == portico + "/end-session"
    for name in (
        "backchannel_logout_supported",
        "backchannel_logout_session_supported",
        "frontchannel_logout_supported",
        "frontchannel_logout_session_supported",
    ):
        assert metadata[name] is True
    assert requests.get(metadata["end_session_endpoint"], timeout=10).status_code == 200


def test_rfc9700_4_11_2_openly_registered_client_post_logout_redirect_waits_for_a_click(
    portico, receiver, make_client
):
    """Without a session anyone can send a browser to end-session: for a client registered openly (nobody
    vouched for its URIs) the way back is a button on the signed-out page, never an immediate redirect."""
    target = receiver.url("/signed-out")
    rp, _secret = make_client(redirect_uris=(receiver.url("/callback"),), post_logout_redirect_uris=[target])
    type(rp).objects.filter(pk=rp.pk).update(registered_openly=True)
    page = end_session(
        portico, requests.Session(), client_id=rp.client_id, post_logout_redirect_uri=target, state="s"
    )
    assert page.status_code == 200 and "Location" not in page.headers
    assert f'href="{target}?state=s"' in page.text and "signed_out.js" not in page.text
    type(rp).objects.filter(pk=rp.pk).update(registered_openly=False)
    vetted = end_session(portico, requests.Session(), client_id=rp.client_id, post_logout_redirect_uri=target)
    assert vetted.status_code == 302 and vetted.headers["Location"] == target
