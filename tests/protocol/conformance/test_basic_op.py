"""OpenID Connect Basic OP profile: one test per module of the OpenID Foundation's test plan (oidcc-*),
over real HTTP, id_tokens verified from the JWKS by the test itself."""

import json
import time

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.oauth import assert_oauth_error, assert_redirect_error

from .agent import REDIRECT, UserAgent, verify_id_token

pytestmark = pytest.mark.django_db(transaction=True)


def _sign_in(browser, rp, person, request_params, **overrides):
    params = request_params(rp, **overrides)
    outcome = browser.authorize(params, user=person)
    assert outcome.mode == "query", outcome
    assert outcome.params.get("state") == params["state"]
    return params, outcome.params


def _tokens(redeem, rp, secret, code):
    response = redeem(rp, secret, code)
    assert response.status_code == 200, response.text
    return response.json()


def test_oidcc_server(op, browser, make_rp, person, request_params, redeem):
    rp, secret = make_rp()
    params, answer = _sign_in(browser, rp, person, request_params)
    assert answer["iss"] == op  # RFC 9207
    tokens = _tokens(redeem, rp, secret, answer["code"])
    claims = verify_id_token(op, tokens["id_token"], client_id=rp.client_id, nonce=params["nonce"])
    assert claims["auth_time"] <= time.time() and claims["sid"]
    assert claims["amr"] == ["pwd"] and claims["acr"] == "1"


def test_oidcc_response_type_missing(op, browser, make_rp, request_params):
    rp, _ = make_rp()
    outcome = browser.authorize(request_params(rp, response_type=None))
    assert outcome.mode == "query"
    assert_redirect_error(outcome.params, "invalid_request")


def test_oidcc_ensure_registered_redirect_uri(op, browser, make_rp, request_params):
    rp, _ = make_rp()
    outcome = browser.authorize(request_params(rp, redirect_uri="https://attacker.example/cb"))
    assert outcome.mode == "page" and outcome.status == 400  # never redirected to an unregistered URI


def test_oidcc_ensure_redirect_uri_in_authorization_request(op, browser, make_rp, request_params):
    rp, _ = make_rp()
    outcome = browser.authorize(request_params(rp, redirect_uri=None))
    assert outcome.mode == "page" and outcome.status == 400


@pytest.mark.parametrize("method", ["get", "post_header", "post_body"])
def test_oidcc_userinfo(op, browser, make_rp, person, request_params, redeem, method):
    rp, secret = make_rp()
    _, answer = _sign_in(browser, rp, person, request_params, scope="openid email")
    access_token = _tokens(redeem, rp, secret, answer["code"])["access_token"]
    if method == "get":
        response = requests.get(
            op + "/userinfo", headers={"Authorization": f"Bearer {access_token}"}, timeout=10
        )
    elif method == "post_header":
        response = requests.post(
            op + "/userinfo", headers={"Authorization": f"Bearer {access_token}"}, timeout=10
        )
    else:
        response = requests.post(op + "/userinfo", data={"access_token": access_token}, timeout=10)
    assert response.status_code == 200
    assert response.json() == {"sub": person.sub, "email": "ada@example.org", "email_verified": True}


def test_oidcc_ensure_request_without_nonce_succeeds_for_code_flow(
    op, browser, make_rp, person, request_params, redeem
):
    rp, secret = make_rp()
    _, answer = _sign_in(browser, rp, person, request_params, nonce=None)
    claims = verify_id_token(
        op, _tokens(redeem, rp, secret, answer["code"])["id_token"], client_id=rp.client_id
    )
    assert "nonce" not in claims


@pytest.mark.parametrize(
    "scope,expected",
    [
        ("openid profile", {"name": "Ada Lovelace", "given_name": "Ada", "birthdate": "1815-12-10"}),
        ("openid email", {"email": "ada@example.org", "email_verified": True}),
        (
            "openid address",
            {"address": {"street_address": "12 St James's Square", "locality": "London", "country": "UK"}},
        ),
        ("openid phone", {"phone_number": "+441234567890", "phone_number_verified": False}),
    ],
)
def test_oidcc_scope(op, browser, make_rp, person, request_params, redeem, scope, expected):
    """oidcc-scope-profile / -email / -address / -phone: the scope's claims at userinfo (Core 5.4)."""
    rp, secret = make_rp()
    _, answer = _sign_in(browser, rp, person, request_params, scope=scope)
    tokens = _tokens(redeem, rp, secret, answer["code"])
    id_claims = verify_id_token(op, tokens["id_token"], client_id=rp.client_id)
    assert not set(expected) & set(id_claims)  # with an access token they come from userinfo (Core 5.4)
    userinfo = requests.get(
        op + "/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}, timeout=10
    ).json()
    for name, value in expected.items():
        if isinstance(value, dict):
            assert {k: userinfo[name][k] for k in value} == value
        else:
            assert userinfo[name] == value


def test_oidcc_scope_all_and_other_scope_order(op, browser, make_rp, person, request_params, redeem):
    rp, secret = make_rp()
    _, answer = _sign_in(browser, rp, person, request_params, scope="phone address email profile openid")
    tokens = _tokens(redeem, rp, secret, answer["code"])
    userinfo = requests.get(
        op + "/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}, timeout=10
    ).json()
    assert {"name", "email", "address", "phone_number"} <= set(userinfo)
    assert None not in userinfo.values()


@pytest.mark.parametrize("display", ["page", "popup"])
def test_oidcc_display(op, browser, make_rp, person, request_params, redeem, display):
    rp, secret = make_rp()
    _, answer = _sign_in(browser, rp, person, request_params, display=display)
    assert "code" in answer


def test_oidcc_ensure_request_with_unknown_parameter_succeeds(op, browser, make_rp, person, request_params):
    rp, _ = make_rp()
    _, answer = _sign_in(browser, rp, person, request_params, extra="foobar")
    assert "code" in answer


def test_oidcc_ensure_post_request_succeeds(op, make_rp, person, request_params):
    rp, _ = make_rp()
    outcome = UserAgent(op).authorize(request_params(rp), user=person, method="POST")
    assert outcome.mode == "query" and "code" in outcome.params


def test_oidcc_prompt_login(op, browser, make_rp, person, request_params, redeem):
    rp, secret = make_rp()
    _, first = _sign_in(browser, rp, person, request_params)
    first_auth = verify_id_token(
        op, _tokens(redeem, rp, secret, first["code"])["id_token"], client_id=rp.client_id
    )["auth_time"]
    time.sleep(1.1)
    browser.pages.clear()
    _, second = _sign_in(browser, rp, person, request_params, prompt="login")
    assert browser.pages[0] == "login"  # asked again although signed in
    claims = verify_id_token(
        op, _tokens(redeem, rp, secret, second["code"])["id_token"], client_id=rp.client_id
    )
    assert claims["auth_time"] > first_auth


def test_oidcc_prompt_none_not_logged_in(op, browser, make_rp, request_params):
    rp, _ = make_rp()
    params = request_params(rp, prompt="none")
    outcome = browser.authorize(params)
    assert outcome.mode == "query"
    assert_redirect_error(outcome.params, "login_required", state=params["state"])


def test_oidcc_prompt_none_logged_in(op, browser, make_rp, person, request_params, redeem):
    rp, secret = make_rp()
    _sign_in(browser, rp, person, request_params)
    browser.pages.clear()
    outcome = browser.authorize(request_params(rp, prompt="none"))
    assert browser.pages == [] and outcome.mode == "query" and "code" in outcome.params
    verify_id_token(
        op, _tokens(redeem, rp, secret, outcome.params["code"])["id_token"], client_id=rp.client_id
    )


def test_prompt_none_without_consent_is_consent_required(op, browser, make_rp, person, request_params):
    rp, _ = make_rp()
    _sign_in(browser, rp, person, request_params)
    outcome = browser.authorize(request_params(rp, prompt="none", scope="openid phone"))
    assert_redirect_error(outcome.params, "consent_required")


def test_prompt_none_with_other_values_is_invalid_request(op, browser, make_rp, request_params):
    rp, _ = make_rp()
    outcome = browser.authorize(request_params(rp, prompt="none login"))
    assert_redirect_error(outcome.params, "invalid_request")


def test_oidcc_max_age_1(op, browser, make_rp, person, request_params, redeem):
    rp, secret = make_rp()
    _sign_in(browser, rp, person, request_params)
    time.sleep(2)
    browser.pages.clear()
    params, answer = _sign_in(browser, rp, person, request_params, max_age="1")
    assert browser.pages[0] == "login"
    claims = verify_id_token(
        op, _tokens(redeem, rp, secret, answer["code"])["id_token"], client_id=rp.client_id
    )
    assert time.time() - claims["auth_time"] < 5  # Core 3.1.2.1: auth_time REQUIRED with max_age


def test_oidcc_max_age_10000(op, browser, make_rp, person, request_params, redeem):
    rp, secret = make_rp()
    _sign_in(browser, rp, person, request_params)
    browser.pages.clear()
    _, answer = _sign_in(browser, rp, person, request_params, max_age="10000")
    assert browser.pages == []
    claims = verify_id_token(
        op, _tokens(redeem, rp, secret, answer["code"])["id_token"], client_id=rp.client_id
    )
    assert "auth_time" in claims


def test_max_age_0_means_prompt_login_and_default_max_age_applies(
    op, browser, make_rp, person, request_params
):
    rp, _ = make_rp(default_max_age=0)
    _sign_in(browser, rp, person, request_params)
    browser.pages.clear()
    _sign_in(browser, rp, person, request_params)
    assert browser.pages[0] == "login"
    outcome = browser.authorize(request_params(rp, max_age="abc"))
    assert_redirect_error(outcome.params, "invalid_request")


def test_oidcc_id_token_hint(op, browser, make_rp, person, make_user, request_params, redeem):
    rp, secret = make_rp()
    _, answer = _sign_in(browser, rp, person, request_params)
    id_token = _tokens(redeem, rp, secret, answer["code"])["id_token"]
    silent = browser.authorize(request_params(rp, prompt="none", id_token_hint=id_token))
    assert "code" in silent.params

    other = UserAgent(op)
    _sign_in(other, rp, make_user(), request_params)
    mismatch = other.authorize(request_params(rp, prompt="none", id_token_hint=id_token))
    assert_redirect_error(mismatch.params, "login_required")
    forged = browser.authorize(request_params(rp, id_token_hint=id_token[:-4] + "AAAA"))
    assert_redirect_error(forged.params, "invalid_request")


def test_oidcc_login_hint(op, browser, make_rp, person, request_params):
    rp, _ = make_rp()
    outcome = browser.authorize(request_params(rp, login_hint=person.email))
    assert outcome.page == "login" and f'value="{person.email}"' in outcome.text


def test_oidcc_ui_locales_and_claims_locales(op, browser, make_rp, person, request_params):
    """Core 3.1.2.1: the pages follow ui_locales (fr-CA falls back to fr), then the flow completes."""
    rp, _ = make_rp()
    login = browser.authorize(request_params(rp, ui_locales="fr-CA fr en"))
    assert login.page == "login" and '<html lang="fr">' in login.text
    assert "Se connecter" in login.text and "Mot de passe" in login.text
    _, answer = _sign_in(
        browser, rp, person, request_params, ui_locales="fr-CA fr en", claims_locales="fr en"
    )
    assert "code" in answer


def test_oidcc_ensure_request_with_acr_values_succeeds(op, browser, make_rp, person, request_params, redeem):
    rp, secret = make_rp()
    _, answer = _sign_in(browser, rp, person, request_params, acr_values="1 2")
    claims = verify_id_token(
        op, _tokens(redeem, rp, secret, answer["code"])["id_token"], client_id=rp.client_id
    )
    assert claims["acr"] == "1"


def test_oidcc_codereuse(op, browser, make_rp, person, request_params, redeem):
    """RFC 6749 4.1.2: a second use fails and revokes what the first use issued."""
    rp, secret = make_rp()
    _, answer = _sign_in(browser, rp, person, request_params)
    tokens = _tokens(redeem, rp, secret, answer["code"])
    again = redeem(rp, secret, answer["code"])
    assert_oauth_error(again, 400, "invalid_grant")
    userinfo = requests.get(
        op + "/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}, timeout=10
    )
    assert_oauth_error(userinfo, 401, "invalid_token")


def test_oidcc_server_client_secret_post(op, browser, make_rp, person, request_params):
    rp, secret = make_rp(auth_method="client_secret_post")
    _, answer = _sign_in(browser, rp, person, request_params)
    response = requests.post(
        op + "/token",
        data={
            "grant_type": "authorization_code",
            "code": answer["code"],
            "redirect_uri": REDIRECT,
            "client_id": rp.client_id,
            "client_secret": secret,
        },
        timeout=10,
    )
    assert response.status_code == 200 and response.json()["id_token"]


def test_oidcc_claims_essential(op, browser, make_rp, person, request_params, redeem):
    """Core 5.5: claims requested individually, for the id_token and for userinfo."""
    rp, secret = make_rp()
    request = {"id_token": {"email": {"essential": True}}, "userinfo": {"name": None}}
    _, answer = _sign_in(browser, rp, person, request_params, claims=json.dumps(request))
    assert "consent" in browser.pages
    tokens = _tokens(redeem, rp, secret, answer["code"])
    id_claims = verify_id_token(op, tokens["id_token"], client_id=rp.client_id)
    assert id_claims["email"] == "ada@example.org" and "name" not in id_claims
    userinfo = requests.get(
        op + "/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}, timeout=10
    ).json()
    assert userinfo["name"] == "Ada Lovelace" and "email" not in userinfo


def test_claims_parameter_must_be_json(op, browser, make_rp, person, request_params):
    rp, _ = make_rp()
    outcome = browser.authorize(request_params(rp, claims='{"id_token": []}'), user=person)
    assert_redirect_error(outcome.params, "invalid_request")


def test_oidcc_refresh_token(op, browser, make_rp, person, request_params, redeem):
    """Core 11 + 12: offline_access with prompt=consent gives a refresh token; refreshing keeps sub, auth_time
    and sid, rotates the token, and reusing the old one revokes the family."""
    rp, secret = make_rp()
    _, answer = _sign_in(browser, rp, person, request_params, scope="openid offline_access", prompt="consent")
    tokens = _tokens(redeem, rp, secret, answer["code"])
    first = verify_id_token(op, tokens["id_token"], client_id=rp.client_id)
    refreshed = requests.post(
        op + "/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=(rp.client_id, secret),
        timeout=10,
    ).json()
    again = verify_id_token(op, refreshed["id_token"], client_id=rp.client_id)
    assert (again["sub"], again["auth_time"], again["sid"]) == (
        first["sub"],
        first["auth_time"],
        first["sid"],
    )
    assert refreshed["refresh_token"] != tokens["refresh_token"]
    reuse = requests.post(
        op + "/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=(rp.client_id, secret),
        timeout=10,
    )
    assert_oauth_error(reuse, 400, "invalid_grant")
    family = requests.post(
        op + "/token",
        data={"grant_type": "refresh_token", "refresh_token": refreshed["refresh_token"]},
        auth=(rp.client_id, secret),
        timeout=10,
    )
    assert_oauth_error(family, 400, "invalid_grant")


def test_offline_access_without_prompt_consent_needs_the_consent_page_core_11(
    op, browser, make_rp, person, request_params, redeem
):
    """Core 11: without prompt=consent, offline_access is granted only once the person consented to it (the
    consent page names it); prompt=none cannot ask, so it is ignored there until then."""
    rp, secret = make_rp()
    _, answer = _sign_in(browser, rp, person, request_params, scope="openid")
    _, answer = _sign_in(browser, rp, person, request_params, scope="openid offline_access", prompt="none")
    tokens = _tokens(redeem, rp, secret, answer["code"])
    assert "refresh_token" not in tokens and "offline_access" not in tokens["scope"].split()
    browser.pages.clear()
    _, answer = _sign_in(browser, rp, person, request_params, scope="openid offline_access")
    assert browser.pages == ["consent"]
    tokens = _tokens(redeem, rp, secret, answer["code"])
    assert "refresh_token" in tokens and "offline_access" in tokens["scope"].split()


def test_oidcc_prompt_select_account(op, browser, make_rp, person, make_user, request_params):
    rp, _ = make_rp()
    _sign_in(browser, rp, person, request_params)
    page = browser.authorize(request_params(rp, prompt="select_account"))
    assert page.page == "select_account" and person.username in page.text
    chosen = browser.authorize(request_params(rp, prompt="select_account"), choose="current")
    assert "code" in chosen.params
    other = make_user()
    switched = browser.authorize(request_params(rp, prompt="select_account"), choose="another", user=other)
    assert "code" in switched.params and browser.pages[-2:] == ["login", "consent"]


def test_oidcc_userinfo_rs256(op, browser, make_rp, person, request_params, redeem):
    """Core 5.3.2: a client registered for signed userinfo gets application/jwt with iss and aud."""
    rp, secret = make_rp(userinfo_signed_response_alg="RS256")
    _, answer = _sign_in(browser, rp, person, request_params, scope="openid email")
    access_token = _tokens(redeem, rp, secret, answer["code"])["access_token"]
    response = requests.get(op + "/userinfo", headers={"Authorization": f"Bearer {access_token}"}, timeout=10)
    assert response.headers["Content-Type"] == "application/jwt"
    keyset = KeySet.import_key_set(requests.get(op + "/.well-known/jwks.json", timeout=10).json())
    claims = jwt.decode(response.text, keyset, algorithms=["RS256"]).claims
    assert claims["iss"] == op and claims["aud"] == rp.client_id and claims["email"] == "ada@example.org"
