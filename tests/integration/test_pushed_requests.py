"""Pushed authorization requests (RFC 9126) through the Django test client: what is stored, what /authorize
then uses, once, and until when. End to end with an independent client: tests/protocol/test_par_authlib.py."""

import json
import time
from datetime import timedelta
from urllib.parse import urlencode

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client as Browser
from django.utils import timezone
from jwt.algorithms import RSAAlgorithm

from oidc import conf, pushed_requests
from oidc.models import PushedAuthorizationRequest
from oidc.purge import purge
from oidc.secrets import digest
from tests.conftest import pkce_pair, query_of
from tests.integration.helpers import REDIRECT, authorize_params, basic
from tests.oauth import assert_error_page, assert_oauth_error, assert_redirect_error

pytestmark = pytest.mark.django_db


def push(rp, secret, **params):
    _verifier, challenge = pkce_pair()
    params.setdefault("prompt", None)  # no consent page: the clients here are first-party
    params.setdefault("code_challenge", challenge)
    form = authorize_params(rp, code_challenge_method="S256", **params)
    return Browser().post(
        "/par", {k: v for k, v in form.items() if k != "client_id"}, **basic(rp.client_id, secret)
    )


def test_rfc9126_2_2_push_answers_201_with_a_single_use_urn_stored_as_a_digest(make_client):
    rp, secret = make_client()
    response = push(rp, secret)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["expires_in"] == 60
    assert body["request_uri"].startswith("urn:ietf:params:oauth:request_uri:")
    assert len(body["request_uri"]) - len(pushed_requests.PREFIX) >= 43  # 256 bits, base64url
    row = PushedAuthorizationRequest.objects.get()
    assert row.digest == digest(body["request_uri"]) and body["request_uri"] not in json.dumps(row.parameters)
    assert response["Cache-Control"] == "no-store"


def _authorize(browser, rp, request_uri, **query):
    return browser.get(
        "/authorize?" + urlencode({"client_id": rp.client_id, "request_uri": request_uri, **query})
    )


def test_rfc9126_4_authorize_uses_exactly_the_pushed_parameters_once(browser, make_client):
    rp, secret = make_client(skip_consent=True)
    request_uri = push(rp, secret, state="pushed-state").json()["request_uri"]
    # Query parameters besides client_id and request_uri are ignored (RFC 9126 4).
    response = _authorize(
        browser, rp, request_uri, state="query-state", redirect_uri="https://evil.example/cb"
    )
    assert response.status_code == 302, response.content[:300]
    assert response["Location"].startswith(REDIRECT + "?")
    query = query_of(response["Location"])
    assert query["state"] == "pushed-state" and query["code"]

    again = _authorize(browser, rp, request_uri)
    assert_error_page(again, 400, "invalid_request_uri")  # no registered redirect_uri beside it: a page
    assert again.context["description"] == "request_uri is unknown, expired or already used (RFC 9126 4)"


def test_rfc9126_4_a_used_request_uri_is_redirected_when_a_registered_redirect_uri_is_sent(
    browser, make_client
):
    rp, secret = make_client(skip_consent=True)
    request_uri = push(rp, secret).json()["request_uri"]
    assert _authorize(browser, rp, request_uri).status_code == 302
    again = _authorize(browser, rp, request_uri, redirect_uri=REDIRECT, state="s2")
    assert again.status_code == 302
    assert again["Location"].startswith(REDIRECT + "?")
    query = assert_redirect_error(again["Location"], "invalid_request_uri", state="s2")
    assert query["error_description"] == "request_uri is unknown, expired or already used (RFC 9126 4)"


def test_rfc9126_4_another_clients_request_uri_is_refused(browser, make_client):
    rp, secret = make_client(skip_consent=True)
    other, _ = make_client(skip_consent=True)
    request_uri = push(rp, secret).json()["request_uri"]
    response = _authorize(browser, other, request_uri)
    assert_error_page(response, 400, "invalid_request_uri")
    assert _authorize(browser, rp, request_uri).status_code == 302  # not consumed by the other client


@pytest.mark.parametrize(
    "seconds,usable", [(0, True), (60, True), (61, False)], ids=["now", "at ttl", "ttl+1"]
)
def test_rfc9126_2_2_request_uri_is_valid_until_its_ttl_and_not_a_second_later(make_client, seconds, usable):
    rp, _ = make_client()
    start = timezone.now()
    request_uri, ttl = pushed_requests.store(rp, {"client_id": rp.client_id}, now=start)
    assert ttl == 60
    taken = pushed_requests.take(request_uri, client=rp, now=start + timedelta(seconds=seconds))
    assert (taken == {"client_id": rp.client_id}) is usable
    assert not PushedAuthorizationRequest.objects.exists()  # consumed (or discarded) either way


def test_par_ttl_is_a_setting(make_client, settings):
    settings.PORTICO_PAR_TTL = 15
    rp, secret = make_client()
    assert push(rp, secret).json()["expires_in"] == 15


@pytest.mark.parametrize(
    "change,status,error,description",
    [
        ({"redirect_uri": "https://evil.example/cb"}, 400, "invalid_request", "Mismatching redirect URI."),
        (
            {"response_type": "token"},
            400,
            "unauthorized_client",
            "This client is not registered for response_type token (its response_types: code).",
        ),
        (
            {"request_uri": "https://rp.example.org/r"},
            400,
            "invalid_request",
            "request_uri must not be pushed (RFC 9126 2.1)",
        ),
        (
            {"code_challenge": "short"},
            400,
            "invalid_request",
            "code_challenge must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636 4.2).",
        ),
        ({"response_mode": "nope"}, 400, "invalid_request", None),
    ],
    ids=["redirect_uri", "response_type", "request_uri", "code_challenge", "response_mode"],
)
def test_rfc9126_2_3_pushed_parameters_are_validated_as_at_authorize_with_json_errors(
    make_client, change, status, error, description
):
    rp, secret = make_client()
    response = push(rp, secret, **change)
    assert_oauth_error(response, status, error)
    if description is not None:
        assert response.json().get("error_description", "") == description
    assert not PushedAuthorizationRequest.objects.exists()


def test_rfc9126_2_3_wrong_client_credentials_are_invalid_client(make_client):
    rp, _ = make_client()
    response = push(rp, "not-the-secret")
    assert response.status_code == 401
    assert response.json() == {
        "error": "invalid_client",
        "error_description": "The client secret is wrong.",
    }
    assert response["WWW-Authenticate"].startswith("Basic ")


def test_rfc9126_2_1_a_confidential_client_cannot_push_with_its_client_id_alone(make_client):
    rp, _ = make_client()
    response = Browser().post("/par", authorize_params(rp))
    assert_oauth_error(response, 401, "invalid_client")


def test_rfc9126_2_1_client_id_in_the_body_must_be_the_authenticated_client(make_client):
    rp, secret = make_client()
    other, _ = make_client()
    response = Browser().post("/par", authorize_params(other), **basic(rp.client_id, secret))
    assert_oauth_error(response, 401, "invalid_client")


def test_rfc9126_5_a_client_registered_to_push_has_other_requests_refused(browser, make_client):
    rp, secret = make_client(skip_consent=True, require_pushed_authorization_requests=True)
    response = browser.get("/authorize?" + urlencode(authorize_params(rp)))
    query = assert_redirect_error(response["Location"], "invalid_request")
    assert (query["error"], query["error_description"]) == (
        "invalid_request",
        "authorization requests must be pushed first (RFC 9126 5)",
    )
    request_uri = push(rp, secret).json()["request_uri"]
    assert "code" in query_of(_authorize(browser, rp, request_uri)["Location"])


def test_rfc9126_5_the_server_wide_setting_requires_pushing_of_every_client(browser, make_client, settings):
    settings.PORTICO_REQUIRE_PUSHED_AUTHORIZATION_REQUESTS = True
    rp, secret = make_client(skip_consent=True)
    response = browser.get("/authorize?" + urlencode(authorize_params(rp)))
    assert (
        query_of(response["Location"])["error_description"]
        == "authorization requests must be pushed first (RFC 9126 5)"
    )
    request_uri = push(rp, secret).json()["request_uri"]
    assert "code" in query_of(_authorize(browser, rp, request_uri)["Location"])
    metadata = Browser().get("/.well-known/openid-configuration").json()
    assert metadata["require_pushed_authorization_requests"] is True


def test_rfc9126_5_a_pushed_request_resumed_after_login_still_counts_as_pushed(
    client, make_user, make_client
):
    rp, secret = make_client(skip_consent=True, require_pushed_authorization_requests=True)
    user = make_user()
    request_uri = push(rp, secret, state="st-1").json()["request_uri"]
    to_login = _authorize(client, rp, request_uri)
    assert to_login.status_code == 302 and to_login["Location"].startswith("/login")
    resume = query_of(to_login["Location"])["next"]
    # RFC 9126 1 and 4: the parameters stay on the server; the way back is a new single-use request_uri.
    assert set(query_of(resume)) == {"client_id", "request_uri"} and "st-1" not in resume
    assert query_of(resume)["request_uri"] != request_uri
    client.force_login(user)
    response = client.get(resume)
    assert response.status_code == 302 and "code" in query_of(response["Location"]), response.content[:300]
    assert query_of(response["Location"])["state"] == "st-1"
    replayed = client.get(resume)  # the same way back again, in this or any browser: refused
    assert_error_page(replayed, 400, "invalid_request_uri", description_contains="already used")


def test_rfc9126_5_a_pushed_marker_in_the_query_does_not_make_a_request_pushed(
    client, make_user, make_client
):
    """The marker that once carried a pushed request through the login page is dropped from any query."""
    rp, _secret = make_client(skip_consent=True, require_pushed_authorization_requests=True)
    client.force_login(make_user())
    _verifier, challenge = pkce_pair()
    query = authorize_params(rp, code_challenge=challenge, code_challenge_method="S256", state="s")
    response = client.get("/authorize", {**query, "portico_pushed": "1", "portico_resume": "forged"})
    assert_redirect_error(
        response["Location"], "invalid_request", state="s", description_contains="must be pushed first"
    )


def test_discovery_advertises_par_and_request_uri_support(client):
    metadata = client.get("/.well-known/openid-configuration").json()
    assert metadata["pushed_authorization_request_endpoint"] == "http://127.0.0.1:8000/par"
    assert metadata["require_pushed_authorization_requests"] is False
    assert metadata["request_uri_parameter_supported"] is True
    assert metadata["require_request_uri_registration"] is False


@pytest.fixture
def signing_client(make_client):
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = {**RSAAlgorithm.to_jwk(private.public_key(), as_dict=True), "kid": "k1"}
    rp, secret = make_client(skip_consent=True, jwks={"keys": [jwk]}, request_object_signing_alg="RS256")
    return rp, secret, private


def _object(rp, private, **claims) -> str:
    now = int(time.time())
    _verifier, challenge = pkce_pair()
    inner = {
        "iss": rp.client_id,
        "aud": conf.issuer(),
        "exp": now + 300,
        "client_id": rp.client_id,
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "scope": "openid",
        "state": "in-the-object",
        "nonce": "n",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **claims,
    }
    return jwt.encode(inner, private, algorithm="RS256", headers={"kid": "k1"})


def test_rfc9126_3_a_pushed_request_object_is_verified_and_only_its_claims_are_used(browser, signing_client):
    rp, secret, private = signing_client
    form = {"request": _object(rp, private), "state": "beside-the-object", "scope": "openid email"}
    response = Browser().post("/par", form, **basic(rp.client_id, secret))
    assert response.status_code == 201, response.content
    stored = PushedAuthorizationRequest.objects.get().parameters
    assert stored["state"] == "in-the-object" and stored["scope"] == "openid" and "request" not in stored
    redirect = _authorize(browser, rp, response.json()["request_uri"])
    assert query_of(redirect["Location"])["state"] == "in-the-object"


def test_rfc9126_3_a_pushed_request_object_that_does_not_verify_is_refused_as_json(signing_client):
    rp, secret, _private = signing_client
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    response = Browser().post("/par", {"request": _object(rp, stranger)}, **basic(rp.client_id, secret))
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request_object",
        "error_description": "the request object's signature does not verify with the client's keys",
    }
    assert not PushedAuthorizationRequest.objects.exists()


def test_rfc7636_a_public_client_must_push_a_code_challenge(make_client):
    rp, _ = make_client(confidential=False)
    response = Browser().post("/par", authorize_params(rp))
    assert response.status_code == 400, response.content
    assert response.json() == {"error": "invalid_request", "error_description": "Code challenge required."}


def test_purge_removes_expired_pushed_requests_and_keeps_live_ones(make_client):
    rp, _ = make_client()
    now = timezone.now()
    expired, _ttl = pushed_requests.store(rp, {"client_id": rp.client_id}, now=now - timedelta(seconds=61))
    live, _ttl = pushed_requests.store(rp, {"client_id": rp.client_id}, now=now)
    report = purge(now=now)
    assert report.deleted["pushed authorization requests"] == 1
    assert list(PushedAuthorizationRequest.objects.values_list("digest", flat=True)) == [digest(live)]
    assert digest(expired) != digest(live)


def test_rfc9126_2_2_an_expired_request_uri_is_refused_at_authorize(browser, make_client):
    rp, secret = make_client(skip_consent=True)
    request_uri = push(rp, secret).json()["request_uri"]
    PushedAuthorizationRequest.objects.update(expires=timezone.now() - timedelta(seconds=1))
    response = _authorize(browser, rp, request_uri, redirect_uri=REDIRECT, state="late")
    query = assert_redirect_error(response["Location"], "invalid_request_uri", state="late")
    assert query["error_description"] == "request_uri is unknown, expired or already used (RFC 9126 4)"


def test_a_pushed_request_is_limited_in_size(make_client):
    """Stored until used or purged: one pushed request holds at most 16,384 characters of parameters."""
    rp, secret = make_client()
    response = push(rp, secret, ui_locales="x" * 20_000)
    assert_oauth_error(response, 400, "invalid_request", description_contains="16384 characters")
    assert not PushedAuthorizationRequest.objects.exists()


def test_rfc9110_15_5_2_every_401_at_par_names_its_scheme(make_client):
    """RFC 6749 5.2 requires the Basic challenge after HTTP Basic; every other 401 carries it too."""
    rp, _ = make_client(auth_method="client_secret_post")
    response = Browser().post("/par", {**authorize_params(rp), "client_secret": "wrong"})
    assert_oauth_error(response, 401, "invalid_client")
    assert response["WWW-Authenticate"].startswith("Basic realm=")
