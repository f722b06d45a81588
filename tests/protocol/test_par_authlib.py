"""Pushed authorization requests (RFC 9126) end to end over real HTTP with an independent client library.

Authlib has no PAR client, so it does everything around the push: it builds the authorization request
(state, nonce, PKCE), authenticates the push to the endpoint discovery names with its own implementation of
each client authentication method, and redeems the code; the push itself is one POST. The person's browser
then carries only client_id and request_uri. The test verifies the id_token from the JWKS itself."""

from urllib.parse import parse_qsl, urlencode, urlsplit

import jwt
import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import ClientSecretJWT, PrivateKeyJWT
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.protocol.conformance.agent import REDIRECT, UserAgent

pytestmark = pytest.mark.django_db(transaction=True)
METHODS = ["client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt", "none"]


def _rsa_key() -> tuple[str, dict]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    jwk = {**RSAAlgorithm.to_jwk(private.public_key(), as_dict=True), "kid": "par-1", "use": "sig"}
    return pem, {"keys": [jwk]}


def _client_and_session(make_client, method: str, **metadata):
    """A registered client and Authlib's session for it, authenticating with `method`."""
    auth: object = method
    options = dict(metadata)
    if method == "client_secret_jwt":
        auth = ClientSecretJWT()
    elif method == "private_key_jwt":
        pem, jwks = _rsa_key()
        auth, options["jwks"] = PrivateKeyJWT(alg="RS256"), jwks
    rp, secret = make_client(auth_method=method, redirect_uris=(REDIRECT,), skip_consent=True, **options)
    credential = pem if method == "private_key_jwt" else (secret or None)
    session = OAuth2Session(
        rp.client_id,
        credential,
        scope="openid email",
        redirect_uri=REDIRECT,
        code_challenge_method="S256",
        token_endpoint_auth_method=auth,
    )
    return rp, session, auth


def _push(session, auth, metadata: dict, **query):
    """Authlib's authorization request, pushed with Authlib's client authentication (RFC 9126 2.1)."""
    verifier, nonce = generate_token(48), generate_token(20)
    url, state = session.create_authorization_url(
        metadata["authorization_endpoint"], nonce=nonce, code_verifier=verifier, **query
    )
    params = dict(parse_qsl(urlsplit(url).query))
    del params["client_id"]  # Authlib's client authentication sends it where its method puts it
    response = session.post(
        metadata["pushed_authorization_request_endpoint"],
        data=params,
        auth=session.client_auth(auth),
        withhold_token=True,
    )
    return response, verifier, nonce, state


def _verified_id_token(metadata: dict, token: str, *, client_id: str, nonce: str) -> dict:
    key = jwt.PyJWKClient(metadata["jwks_uri"]).get_signing_key_from_jwt(token).key
    claims = jwt.decode(
        token,
        key,
        algorithms=metadata["id_token_signing_alg_values_supported"],
        audience=client_id,
        issuer=metadata["issuer"],
    )
    assert claims["nonce"] == nonce
    return claims


@pytest.mark.parametrize("method", METHODS)
def test_rfc9126_push_then_authorize_with_client_id_and_request_uri_only(
    live_server, issuer_at, make_user, make_client, method
):
    issuer = issuer_at(live_server.url)
    metadata = requests.get(issuer + "/.well-known/openid-configuration", timeout=10).json()
    assert metadata["pushed_authorization_request_endpoint"] == issuer + "/par"
    rp, session, auth = _client_and_session(make_client, method, require_pushed_authorization_requests=True)

    pushed, verifier, nonce, state = _push(session, auth, metadata)
    assert pushed.status_code == 201, pushed.text
    body = pushed.json()
    assert set(body) == {"request_uri", "expires_in"} and body["expires_in"] == 60
    assert body["request_uri"].startswith("urn:ietf:params:oauth:request_uri:")

    browser = UserAgent(issuer)
    query = {"client_id": rp.client_id, "request_uri": body["request_uri"]}
    outcome = browser.open(metadata["authorization_endpoint"] + "?" + urlencode(query), user=make_user())
    assert outcome.mode == "query" and outcome.params["state"] == state, outcome
    token = session.fetch_token(
        metadata["token_endpoint"],
        authorization_response=outcome.location,
        state=state,
        code_verifier=verifier,
    )
    claims = _verified_id_token(metadata, token["id_token"], client_id=rp.client_id, nonce=nonce)
    assert claims["aud"] == rp.client_id

    # RFC 9126 4: once only. No redirect_uri was sent beside it, so the person sees the error.
    again = UserAgent(issuer).open(metadata["authorization_endpoint"] + "?" + urlencode(query))
    assert again.mode == "page" and again.status == 400 and "invalid_request_uri" in again.text


def test_rfc9126_4_pushed_parameters_win_over_the_query(live_server, issuer_at, make_user, make_client):
    issuer = issuer_at(live_server.url)
    metadata = requests.get(issuer + "/.well-known/openid-configuration", timeout=10).json()
    rp, session, auth = _client_and_session(make_client, "client_secret_basic")
    pushed, verifier, nonce, state = _push(session, auth, metadata)
    query = {
        "client_id": rp.client_id,
        "request_uri": pushed.json()["request_uri"],
        "state": "from-the-query",
        "nonce": "from-the-query",
        "redirect_uri": "https://attacker.example/cb",
        "response_mode": "fragment",
    }
    outcome = UserAgent(issuer).open(
        metadata["authorization_endpoint"] + "?" + urlencode(query), user=make_user()
    )
    assert outcome.mode == "query" and outcome.location.startswith(REDIRECT)
    assert outcome.params["state"] == state
    token = session.fetch_token(
        metadata["token_endpoint"],
        authorization_response=outcome.location,
        state=state,
        code_verifier=verifier,
    )
    _verified_id_token(metadata, token["id_token"], client_id=rp.client_id, nonce=nonce)


def test_rfc9126_5_a_client_that_must_push_is_refused_an_ordinary_request(
    live_server, issuer_at, make_user, make_client
):
    issuer = issuer_at(live_server.url)
    metadata = requests.get(issuer + "/.well-known/openid-configuration", timeout=10).json()
    rp, session, _auth = _client_and_session(
        make_client, "client_secret_basic", require_pushed_authorization_requests=True
    )
    url, state = session.create_authorization_url(
        metadata["authorization_endpoint"], nonce="n", code_verifier=generate_token(48)
    )
    outcome = UserAgent(issuer).open(url, user=make_user())
    assert outcome.params == {
        "error": "invalid_request",
        "error_description": "authorization requests must be pushed first (RFC 9126 5)",
        "state": state,
        "iss": issuer,
    }


def test_rfc9126_2_3_a_push_with_a_bad_secret_is_invalid_client(live_server, issuer_at, make_client):
    issuer = issuer_at(live_server.url)
    rp, _ = make_client(redirect_uris=(REDIRECT,))
    response = requests.post(
        issuer + "/par",
        data={"response_type": "code", "scope": "openid", "redirect_uri": REDIRECT},
        auth=(rp.client_id, "wrong"),
        timeout=10,
    )
    assert response.status_code == 401
    assert response.json() == {
        "error": "invalid_client",
        "error_description": "Client authentication failed.",
    }
