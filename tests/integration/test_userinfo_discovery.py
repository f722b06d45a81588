"""UserInfo (Core 5.3, RFC 6750) and discovery/JWKS documents (Discovery 3-4, RFC 7517)."""

import base64
from urllib.parse import urlencode

import pytest
from django.test import Client as Browser

from oidc import keys
from tests.integration.helpers import get_code
from tests.oauth import assert_oauth_error

pytestmark = pytest.mark.django_db


def _token(make_user, make_client, scope="openid profile email address phone"):
    user = make_user(
        first_name="Ada",
        last_name="Lovelace",
        email="ada@example.org",
        email_verified=True,
        phone_number="+441234567890",
    )
    browser = Browser()
    browser.force_login(user)
    rp, secret = make_client(skip_consent=True)
    code, verifier = get_code(browser, rp, scope=scope)
    auth = base64.b64encode(f"{rp.client_id}:{secret}".encode()).decode()
    body = (
        Browser()
        .post(
            "/token",
            {
                "grant_type": "authorization_code",
                "code": code,
                "code_verifier": verifier,
                "redirect_uri": rp.redirect_uris.split()[0],
            },
            HTTP_AUTHORIZATION="Basic " + auth,
        )
        .json()
    )
    return user, body


def test_userinfo_get_with_header_releases_scoped_claims(make_user, make_client):
    user, body = _token(make_user, make_client)
    response = Browser().get("/userinfo", HTTP_AUTHORIZATION="Bearer " + body["access_token"])
    assert response.status_code == 200
    claims = response.json()
    assert claims["sub"] == user.sub
    assert (
        claims["name"] == "Ada Lovelace"
        and claims["email"] == "ada@example.org"
        and claims["email_verified"] is True
    )
    assert claims["phone_number"] == "+441234567890" and claims["phone_number_verified"] is False
    assert "address" not in claims and "nickname" not in claims  # empty claims omitted, never null


def test_userinfo_only_for_granted_scopes(make_user, make_client):
    _, body = _token(make_user, make_client, scope="openid email")
    claims = Browser().get("/userinfo", HTTP_AUTHORIZATION="Bearer " + body["access_token"]).json()
    assert set(claims) == {"sub", "email", "email_verified"}


def test_userinfo_post_with_form_body_rfc6750_2_2(make_user, make_client):
    user, body = _token(make_user, make_client)
    response = Browser().post(
        "/userinfo",
        urlencode({"access_token": body["access_token"]}),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200 and response.json()["sub"] == user.sub


@pytest.mark.parametrize(
    "header", ["Bearer nope", "Bearer ", "Basic abc", "Bearer \u00e9\u00e9", "Bearer a b c"]
)
def test_bad_bearer_is_401_with_www_authenticate_rfc6750_3_1(header, db):
    response = Browser().get("/userinfo", HTTP_AUTHORIZATION=header)
    assert_oauth_error(response, 401, "invalid_token")
    assert response["WWW-Authenticate"].startswith('Bearer realm="http://127.0.0.1:8000"')
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_missing_bearer_is_401_without_error_code_rfc6750_3_1(db):
    response = Browser().get("/userinfo")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="http://127.0.0.1:8000"'


def test_token_in_query_string_is_not_accepted_rfc9700_4_3_2(make_user, make_client):
    _, body = _token(make_user, make_client)
    assert Browser().get("/userinfo?access_token=" + body["access_token"]).status_code == 401


def test_id_token_is_not_an_access_token(make_user, make_client):
    _, body = _token(make_user, make_client)
    assert Browser().get("/userinfo", HTTP_AUTHORIZATION="Bearer " + body["id_token"]).status_code == 401


def test_discovery_at_issuer_root_without_redirect_discovery_4(db, settings):
    response = Browser().get("/.well-known/openid-configuration")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    meta = response.json()
    issuer = settings.PORTICO_ISSUER
    assert meta["issuer"] == issuer
    assert meta["authorization_endpoint"] == issuer + "/authorize"
    assert meta["token_endpoint"] == issuer + "/token"
    assert meta["userinfo_endpoint"] == issuer + "/userinfo"
    assert meta["jwks_uri"] == issuer + "/.well-known/jwks.json"
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["id_token_signing_alg_values_supported"] == ["RS256", "PS256", "ES256", "EdDSA"]
    assert set(meta["response_types_supported"]) == {
        "code",
        "id_token",
        "id_token token",
        "code id_token",
        "code token",
        "code id_token token",
    }
    assert meta["response_modes_supported"] == ["query", "fragment", "form_post"]
    assert meta["subject_types_supported"] == ["public", "pairwise"]
    assert meta["claims_parameter_supported"] is True
    assert meta["request_uri_parameter_supported"] is True
    assert Browser().get("/.well-known/openid-configuration/").status_code == 404


def test_discovery_issuer_ignores_host_header(db, settings):
    meta = Browser().get("/.well-known/openid-configuration", HTTP_HOST="localhost").json()
    assert meta["issuer"] == settings.PORTICO_ISSUER


def test_jwks_publishes_only_public_members_with_rfc7638_kid(db):
    response = Browser().get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert "max-age" in response["Cache-Control"] and response["ETag"]
    (key,) = [k for k in response.json()["keys"] if k["alg"] == "RS256"]
    assert set(key) == {"kty", "n", "e", "kid", "alg", "use"}
    assert key["kid"] == keys.thumbprint(key) and key["alg"] == "RS256" and key["use"] == "sig"
    assert Browser().get("/.well-known/jwks.json", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
