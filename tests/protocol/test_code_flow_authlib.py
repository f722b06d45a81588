"""End to end over real HTTP with an independent client library (Authlib), which knows Portico only
through discovery, a client_id and a secret. The test verifies the id_token itself against the JWKS."""

import hashlib
import html
import re

import jwt
import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7636 import create_s256_code_challenge

pytestmark = pytest.mark.django_db(transaction=True)
REDIRECT = "http://127.0.0.1:9/callback"  # never contacted: the test reads the Location header


def _form_field(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, f"{name} not found in page"
    return html.unescape(match.group(1))


def _sign_in_and_consent(
    browser: requests.Session, authorization_url: str, *, username: str, password: str
) -> str:
    """What a person does in the browser; returns the redirect back to the client."""
    login = browser.get(authorization_url)
    assert login.status_code == 200 and "/login" in login.url
    consent = browser.post(
        login.url,
        data={
            "csrfmiddlewaretoken": _form_field(login.text, "csrfmiddlewaretoken"),
            "username": username,
            "password": password,
            "next": _form_field(login.text, "next"),
        },
        headers={"Referer": login.url},
    )
    assert consent.status_code == 200 and "wants to use your Portico account" in consent.text
    answer = browser.post(
        consent.url.split("?")[0] + "/consent",
        data={
            "csrfmiddlewaretoken": _form_field(consent.text, "csrfmiddlewaretoken"),
            "request_id": _form_field(consent.text, "request_id"),
            "decision": "allow",
        },
        headers={"Referer": consent.url},
        allow_redirects=False,
    )
    assert answer.status_code == 302
    return answer.headers["Location"]


def test_discovery_authorize_login_consent_token_userinfo(live_server, issuer_at, make_user, make_client):
    issuer = issuer_at(live_server.url)
    user = make_user(first_name="Grace", last_name="Hopper", email="grace@example.org", email_verified=True)
    rp, secret = make_client(redirect_uris=(REDIRECT,), name="Authlib RP")

    metadata = requests.get(issuer + "/.well-known/openid-configuration", timeout=10).json()
    assert metadata["issuer"] == issuer
    session = OAuth2Session(
        rp.client_id,
        secret,
        scope="openid profile email offline_access",
        redirect_uri=REDIRECT,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
    )
    verifier, nonce = generate_token(48), generate_token(20)
    url, state = session.create_authorization_url(
        metadata["authorization_endpoint"], nonce=nonce, code_verifier=verifier, prompt="consent"
    )
    assert create_s256_code_challenge(verifier) in url

    callback = _sign_in_and_consent(
        requests.Session(), url, username=user.username, password=user.raw_password
    )
    assert callback.startswith(REDIRECT)
    token = session.fetch_token(
        metadata["token_endpoint"], authorization_response=callback, state=state, code_verifier=verifier
    )
    assert token["token_type"] == "Bearer" and token["expires_in"] == 3600 and token["refresh_token"]

    # The id_token, verified independently with the published keys only.
    signing_key = jwt.PyJWKClient(metadata["jwks_uri"]).get_signing_key_from_jwt(token["id_token"])
    claims = jwt.decode(
        token["id_token"],
        signing_key.key,
        algorithms=metadata["id_token_signing_alg_values_supported"],
        audience=rp.client_id,
        issuer=issuer,
        options={"require": ["exp", "iat", "sub", "auth_time"]},
    )
    assert claims["nonce"] == nonce
    digest = hashlib.sha256(token["access_token"].encode("ascii")).digest()
    expected_at_hash = jwt.utils.base64url_encode(digest[: len(digest) // 2]).decode()
    assert claims["at_hash"] == expected_at_hash  # Core 3.1.3.6
    assert claims["sub"] == user.sub and claims["sub"] not in (str(user.pk), user.username, user.email)

    userinfo = session.get(metadata["userinfo_endpoint"]).json()
    assert userinfo["sub"] == claims["sub"]
    assert userinfo["name"] == "Grace Hopper" and userinfo["email"] == "grace@example.org"

    refreshed = session.refresh_token(metadata["token_endpoint"])
    assert refreshed["access_token"] != token["access_token"]
    assert session.get(metadata["userinfo_endpoint"]).json()["sub"] == user.sub


def test_authlib_sees_iss_and_state_rfc9207(live_server, issuer_at, make_user, make_client):
    issuer = issuer_at(live_server.url)
    user = make_user()
    rp, secret = make_client(redirect_uris=(REDIRECT,))
    session = OAuth2Session(
        rp.client_id, secret, scope="openid", redirect_uri=REDIRECT, code_challenge_method="S256"
    )
    url, state = session.create_authorization_url(
        issuer + "/authorize", nonce="n", code_verifier=generate_token(48)
    )
    callback = _sign_in_and_consent(
        requests.Session(), url, username=user.username, password=user.raw_password
    )
    from urllib.parse import parse_qs, urlsplit

    query = parse_qs(urlsplit(callback).query)
    assert query["iss"] == [issuer] and query["state"] == [state]


@pytest.mark.parametrize("alg", ["RS256", "PS256", "ES256", "EdDSA"])
def test_each_signing_algorithm_end_to_end_verified_with_only_the_jwks(
    live_server, issuer_at, make_user, make_client, alg
):
    """RFC 7518 3 / RFC 8037: a client registered for `alg` gets id_tokens an independent library
    (joserfc, Authlib's JOSE implementation) verifies from the published JWKS alone, at_hash included."""
    from authlib.oidc.core.util import create_half_hash
    from joserfc import jwt as jose_jwt
    from joserfc.jwk import KeySet

    issuer = issuer_at(live_server.url)
    user = make_user()
    rp, secret = make_client(redirect_uris=(REDIRECT,), id_token_signed_response_alg=alg)
    metadata = requests.get(issuer + "/.well-known/openid-configuration", timeout=10).json()
    assert alg in metadata["id_token_signing_alg_values_supported"]
    session = OAuth2Session(
        rp.client_id, secret, scope="openid", redirect_uri=REDIRECT, code_challenge_method="S256"
    )
    verifier, nonce = generate_token(48), generate_token(20)
    url, state = session.create_authorization_url(
        metadata["authorization_endpoint"], nonce=nonce, code_verifier=verifier
    )
    callback = _sign_in_and_consent(
        requests.Session(), url, username=user.username, password=user.raw_password
    )
    token = session.fetch_token(
        metadata["token_endpoint"], authorization_response=callback, state=state, code_verifier=verifier
    )

    key_set = KeySet.import_key_set(requests.get(metadata["jwks_uri"], timeout=10).json())
    decoded = jose_jwt.decode(token["id_token"], key_set, algorithms=[alg])
    assert decoded.header["alg"] == alg and decoded.header["kid"]
    jose_jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": rp.client_id},
        nonce={"essential": True, "value": nonce},
        exp={"essential": True},
        iat={"essential": True},
    ).validate(decoded.claims)
    expected = create_half_hash(token["access_token"], alg).decode()
    assert decoded.claims["at_hash"] == expected  # Core 3.1.3.6, SHA-512 for EdDSA
