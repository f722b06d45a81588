"""Malformed and ambiguous requests over real HTTP (requests, and the conformance user agent that signs in and
consents like a person): each is answered with its spec-shaped error, and the boundaries that decide them are
checked on both sides (RFC 6749 3.1, 3.2, 4.1.3, 5.2; RFC 7636 4.1, 4.2; RFC 7662 2.2; Core 3.1.2.1)."""

import base64
import hashlib
import secrets

import pytest
import requests

from tests.oauth import assert_oauth_error, assert_redirect_error
from tests.protocol.conformance.agent import UserAgent

pytestmark = pytest.mark.django_db(transaction=True)
REDIRECT = "http://127.0.0.1:9/callback"  # never contacted: the user agent stops at the redirect to it
FORM = "application/x-www-form-urlencoded"


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


@pytest.fixture
def op(live_server, issuer_at):
    return issuer_at(live_server.url)


@pytest.fixture
def rp(make_client):
    return make_client(redirect_uris=(REDIRECT,), grant_types=["authorization_code", "refresh_token"])


@pytest.fixture
def person(make_user):
    return make_user()


@pytest.fixture
def agent(op):
    return UserAgent(op, redirect_uri=REDIRECT)


def _params(rp, **overrides) -> dict:
    verifier = secrets.token_urlsafe(48)
    params = {
        "response_type": "code",
        "client_id": rp[0].client_id,
        "redirect_uri": REDIRECT,
        "scope": "openid",
        "state": "st-" + secrets.token_hex(4),
        "nonce": "n-" + secrets.token_hex(4),
        "code_challenge": _s256(verifier),
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


def _token(op, rp, data, **options):
    client, secret = rp
    return requests.post(op + "/token", data=data, auth=(client.client_id, secret), timeout=10, **options)


# ---- RFC 7636 4.2: code_challenge is 43-128 unreserved characters ------------------------------------------
@pytest.mark.parametrize(
    "challenge",
    ["a" * 42, "a" * 129, "a" * 3, "a" * 1000, "a" * 42 + "+", "a" * 42 + "=", "a" * 42 + "/", "\u00e9" * 43],
)
def test_rfc7636_4_2_malformed_code_challenge_is_invalid_request(op, agent, rp, person, challenge):
    params = _params(rp, code_challenge=challenge)
    outcome = agent.authorize(params, user=person)
    assert outcome.mode == "query", outcome
    assert_redirect_error(
        outcome.params, "invalid_request", state=params["state"], description_contains="7636"
    )


@pytest.mark.parametrize("challenge", ["a" * 43, "Zz09-._~" * 16])  # 43 and 128 characters, every class
def test_rfc7636_4_2_code_challenge_of_43_and_128_characters_is_accepted(op, agent, rp, person, challenge):
    outcome = agent.authorize(_params(rp, code_challenge=challenge), user=person)
    assert outcome.mode == "query" and outcome.params.get("code"), outcome


# ---- RFC 7636 4.1: code_verifier is 43-128 unreserved characters --------------------------------------------
@pytest.mark.parametrize("verifier", ["abc", "a" * 42, "a" * 129, "a" * 42 + "+"])
def test_rfc7636_4_1_malformed_code_verifier_is_refused_even_when_it_matches(op, agent, rp, person, verifier):
    outcome = agent.authorize(_params(rp, code_challenge=_s256(verifier)), user=person)
    code = outcome.params["code"]
    response = _token(
        op,
        rp,
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        },
    )
    assert_oauth_error(response, 400, "invalid_request", description_contains="RFC 7636 4.1")


# ---- RFC 6749 3.1 and 3.2: no parameter more than once ----------------------------------------------------
@pytest.mark.parametrize("name", ["nonce", "code_challenge", "code_challenge_method", "prompt", "max_age"])
def test_rfc6749_3_1_repeated_authorization_parameter_is_invalid_request(op, agent, rp, person, name):
    params = _params(rp, prompt="consent", max_age="600")
    query = list(params.items()) + [(name, params[name])]  # even the same value twice
    outcome = agent.authorize(query, user=person)  # type: ignore[arg-type]
    assert outcome.mode == "query", outcome
    assert_redirect_error(outcome.params, "invalid_request", description_contains=name)
    assert "code" not in outcome.params


@pytest.mark.parametrize("name", ["state", "scope", "response_type", "client_id", "redirect_uri"])
def test_rfc6749_3_1_repeated_parameter_that_shapes_the_response_is_shown_not_sent(
    op, agent, rp, person, name
):
    """Which state, scope or response_type would the error carry? The person sees an error page instead."""
    params = _params(rp)
    outcome = agent.authorize(list(params.items()) + [(name, params[name])], user=person)  # type: ignore[arg-type]
    assert (outcome.mode, outcome.status) == ("page", 400), outcome
    assert "invalid_request" in outcome.text


@pytest.fixture
def code_and_verifier(op, agent, rp, person):
    verifier = secrets.token_urlsafe(48)
    outcome = agent.authorize(_params(rp, code_challenge=_s256(verifier)), user=person)
    return outcome.params["code"], verifier


@pytest.mark.parametrize("name", ["code", "grant_type", "redirect_uri", "code_verifier"])
def test_rfc6749_3_2_repeated_token_parameter_is_invalid_request_and_spends_nothing(
    op, rp, code_and_verifier, name
):
    code, verifier = code_and_verifier
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
    }
    repeated = list(data.items()) + [(name, data[name])]
    assert_oauth_error(_token(op, rp, repeated), 400, "invalid_request", description_contains=name)
    # Refused before the code was looked at: the well-formed request still redeems it.
    assert _token(op, rp, data).status_code == 200


# ---- RFC 6749 4.1.3: redirect_uri at the token endpoint when the authorization request had it ----------------
def test_rfc6749_4_1_3_redirect_uri_is_required_when_the_authorization_request_sent_it(
    op, rp, code_and_verifier
):
    code, verifier = code_and_verifier
    data = {"grant_type": "authorization_code", "code": code, "code_verifier": verifier}
    assert_oauth_error(_token(op, rp, data), 400, "invalid_grant", description_contains="redirect_uri")
    wrong = _token(op, rp, {**data, "redirect_uri": REDIRECT + "/other"})
    assert_oauth_error(wrong, 400, "invalid_grant")


def test_rfc6749_4_1_3_with_its_redirect_uri_the_same_code_is_redeemed(op, rp, code_and_verifier):
    code, verifier = code_and_verifier
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "code_verifier": verifier,
        "redirect_uri": REDIRECT,
    }
    assert _token(op, rp, data).status_code == 200


# ---- Core 3.1.2.1: nonce (kept up to 255 characters) and max_age (ASCII digits) ------------------------------
def test_core_3_1_2_1_nonce_of_255_characters_is_kept_and_256_refused(op, agent, rp, person):
    kept = agent.authorize(_params(rp, nonce="n" * 255), user=person)
    assert kept.params.get("code"), kept
    params = _params(rp, nonce="n" * 256)
    refused = agent.authorize(params, user=person)
    assert_redirect_error(
        refused.params, "invalid_request", state=params["state"], description_contains="nonce"
    )


@pytest.mark.parametrize("max_age", ["\u00b2", "\u0663", "\uff11", "-1", "1.0", "99999999999"])
def test_core_3_1_2_1_max_age_other_than_ascii_digits_is_invalid_request(op, agent, rp, person, max_age):
    params = _params(rp, max_age=max_age)
    outcome = agent.authorize(params, user=person)
    assert_redirect_error(
        outcome.params, "invalid_request", state=params["state"], description_contains="max_age"
    )


# ---- RFC 6749 2.3.1 and 5.2: client credentials that are not ASCII --------------------------------------------
@pytest.mark.parametrize(
    "header",
    [
        b"Basic " + base64.b64encode("\u00e9:\u00e9".encode()),  # UTF-8 inside
        b"Basic " + base64.b64encode(b"\xe9:\xff"),  # not UTF-8 inside
        "Basic \u00e9\u00e9".encode(),  # not base64 at all
    ],
)
@pytest.mark.parametrize("path", ["/token", "/revoke", "/introspect"])
def test_rfc6749_5_2_non_ascii_basic_credentials_are_invalid_client(op, rp, path, header):
    response = requests.post(
        op + path,
        data={"grant_type": "client_credentials", "token": "x"},
        headers={"Authorization": header},
        timeout=10,
    )
    assert_oauth_error(response, 401, "invalid_client")


@pytest.mark.parametrize("path", ["/token", "/revoke", "/introspect"])
def test_rfc6749_5_2_invalid_client_after_basic_carries_a_basic_challenge(op, rp, path):
    wrong = requests.post(
        op + path,
        data={"grant_type": "client_credentials", "token": "x"},
        auth=(rp[0].client_id, "wrong"),
        timeout=10,
    )
    assert_oauth_error(wrong, 401, "invalid_client")
    assert wrong.headers["WWW-Authenticate"].startswith("Basic realm=")


# ---- the token endpoint family reads UTF-8 forms only, and grants it offers -----------------------------------
@pytest.mark.parametrize("path", ["/token", "/revoke", "/introspect"])
def test_a_form_body_in_another_charset_is_invalid_request(op, rp, path):
    body = "grant_type=client_credentials&token=x".encode("utf-16")
    response = _token(op, rp, body, headers={"Content-Type": FORM + "; charset=utf-16"})
    assert_oauth_error(response, 400, "invalid_request", description_contains="UTF-8")


@pytest.mark.parametrize(
    "grant_type", ["urn:ietf:params:oauth:grant-type:device_code", "password", "implicit", "banana"]
)
def test_rfc6749_5_2_a_grant_type_not_offered_is_unsupported_grant_type(op, rp, grant_type):
    assert_oauth_error(_token(op, rp, {"grant_type": grant_type}), 400, "unsupported_grant_type")


# ---- RFC 7662 2.2 / RFC 6749 1.5: a refresh token is never active to a resource server -------------------------
def test_rfc7662_a_refresh_token_is_inactive_to_every_client_but_its_own(op, agent, rp, person, make_client):
    verifier = secrets.token_urlsafe(48)
    offline = _params(rp, code_challenge=_s256(verifier), scope="openid offline_access", prompt="consent")
    code = agent.authorize(offline, user=person).params["code"]
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "code_verifier": verifier,
        "redirect_uri": REDIRECT,
    }
    tokens = _token(op, rp, data).json()
    assert tokens.get("refresh_token"), tokens
    resource_server, rs_secret = make_client(
        redirect_uris=(), grant_types=["client_credentials"], can_introspect=True
    )

    def introspect(token, client, secret, **hint):
        answer = requests.post(
            op + "/introspect", data={"token": token, **hint}, auth=(client.client_id, secret), timeout=10
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    assert introspect(tokens["access_token"], resource_server, rs_secret)["active"] is True
    for hint in ({}, {"token_type_hint": "refresh_token"}, {"token_type_hint": "access_token"}):
        assert introspect(tokens["refresh_token"], resource_server, rs_secret, **hint) == {"active": False}
    own = introspect(tokens["refresh_token"], rp[0], rp[1])
    assert own["active"] is True and own["client_id"] == rp[0].client_id
