"""A client_assertion (RFC 7523) arrives unauthenticated and may make Portico fetch the client's jwks_uri:
every check that needs no key comes first, a jwks_uri that failed is not fetched again for a while, and a
slow one is cut off at the fetch deadline. Each refusal is invalid_client with a reason, never a 500. Over
real HTTP; the client's key server counts what it is asked."""

import secrets
import time
import uuid

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from oidc.constants import ASSERTION_ALGS
from tests.oauth import assert_oauth_error

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def rp_key():
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = RSAAlgorithm.to_jwk(private.public_key(), as_dict=True)
    jwk.update({"kid": "rp-1", "use": "sig"})
    return private, {"keys": [jwk]}


def _assertion(private, client_id: str, audience: str, *, alg="RS256", **changes) -> str:
    now = int(time.time())
    claims = {"iss": client_id, "sub": client_id, "aud": audience, "exp": now + 60, "jti": str(uuid.uuid4())}
    claims.update(changes)
    claims = {name: value for name, value in claims.items() if value is not None}
    key = private if alg.startswith("RS") else secrets.token_bytes(32)
    return jwt.encode(claims, key, algorithm=alg, headers={"kid": "rp-1"})


def _token(issuer: str, assertion: str, **extra) -> requests.Response:
    data = {
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion,
        **extra,
    }
    return requests.post(issuer + "/token", data=data, timeout=30)


NEEDS_EXP = "client_assertion needs exp, a number of seconds (RFC 7523 3, RFC 7519 4.1.4)"
MALFORMED = {
    "string exp": ({"exp": "tomorrow"}, NEEDS_EXP),
    "huge exp": ({"exp": 10**30}, "client_assertion expires too far in the future (at most an hour)"),
    "no exp": ({"exp": None}, NEEDS_EXP),
    "expired": ({"exp": int(time.time()) - 3600}, "client_assertion has expired (RFC 7519 4.1.4)"),
    "wrong aud": (
        {"aud": "https://elsewhere.example"},
        "aud of client_assertion must be this issuer or its token endpoint (RFC 7523 3)",
    ),
    "sub not iss": (
        {"sub": "someone-else"},
        "iss and sub of client_assertion must both be the client_id (RFC 7523 3)",
    ),
    "string iat": ({"iat": "now"}, "nbf and iat of client_assertion must be numbers of seconds (RFC 7519 2)"),
    "no jti": ({"jti": None}, "client_assertion needs jti, a string (RFC 7523 3)"),
    "HMAC alg": (
        {"alg": "HS256"},
        f"client_assertion must be signed with {' or '.join(ASSERTION_ALGS['private_key_jwt'])} (Registration 2)",
    ),
}


@pytest.mark.parametrize("changes,description", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_assertion_is_invalid_client_without_fetching_keys_rfc7523_3(
    live_server, issuer_at, make_client, jwks_server, rp_key, changes, description
):
    issuer = issuer_at(live_server.url)
    private, jwks = rp_key
    rp, _ = make_client(
        auth_method="private_key_jwt", grant_types=["client_credentials"], jwks_uri=jwks_server("/jwks", jwks)
    )
    response = _token(issuer, _assertion(private, rp.client_id, issuer, **changes))
    assert_oauth_error(response, 401, "invalid_client")
    assert response.json() == {"error": "invalid_client", "error_description": description}
    assert jwks_server.seen == []


def test_an_assertion_naming_no_known_client_is_invalid_client(live_server, issuer_at, rp_key):
    issuer = issuer_at(live_server.url)
    response = _token(issuer, _assertion(rp_key[0], "no-such-client", issuer))
    assert_oauth_error(response, 401, "invalid_client")
    assert response.json() == {
        "error": "invalid_client",
        "error_description": "client_assertion does not name an active client that authenticates with JWTs",
    }


def test_a_jwks_uri_that_failed_is_not_fetched_again_for_the_next_assertion(
    live_server, issuer_at, make_client, jwks_server, rp_key
):
    issuer = issuer_at(live_server.url)
    private, _ = rp_key
    rp, _ = make_client(
        auth_method="private_key_jwt", grant_types=["client_credentials"], jwks_uri=jwks_server.base + "/gone"
    )
    first = _token(issuer, _assertion(private, rp.client_id, issuer))
    second = _token(issuer, _assertion(private, rp.client_id, issuer))
    assert_oauth_error(first, 401, "invalid_client")
    assert_oauth_error(second, 401, "invalid_client")
    assert first.json()["error_description"] == (
        f"the client's keys could not be fetched: fetching {jwks_server.base}/gone failed (404)"
    )
    assert second.json()["error_description"] == (
        f"the client's keys could not be fetched: fetching {jwks_server.base}/gone failed (404) "
        "(not fetched again for a while)"
    )
    assert jwks_server.seen == ["/gone"]


def test_a_jwks_uri_that_drips_is_cut_off_at_the_fetch_deadline(
    live_server, issuer_at, make_client, drip_server, rp_key, settings
):
    issuer = issuer_at(live_server.url)
    settings.PORTICO_FETCH_DEADLINE = 1
    server = drip_server(drip_headers=False)
    rp, _ = make_client(
        auth_method="private_key_jwt", grant_types=["client_credentials"], jwks_uri=server.url
    )
    response = _token(issuer, _assertion(rp_key[0], rp.client_id, issuer))
    assert_oauth_error(response, 401, "invalid_client")
    assert response.json() == {
        "error": "invalid_client",
        "error_description": f"the client's keys could not be fetched: fetching {server.url} took longer than 1 s",
    }
    assert server.done.wait(10) and server.outcomes == ["client hung up"]


@pytest.mark.parametrize("path", ["/introspect", "/revoke"])
def test_introspection_and_revocation_refuse_a_huge_exp_the_same_way(
    live_server, issuer_at, make_client, jwks_server, rp_key, path
):
    issuer = issuer_at(live_server.url)
    private, jwks = rp_key
    rp, _ = make_client(
        auth_method="private_key_jwt", grant_types=["client_credentials"], jwks_uri=jwks_server("/jwks", jwks)
    )
    assertion = _assertion(private, rp.client_id, issuer + path, exp=2**80)
    response = requests.post(
        issuer + path,
        data={
            "token": "anything",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion,
        },
        timeout=30,
    )
    assert_oauth_error(response, 401, "invalid_client")
    assert response.json() == {
        "error": "invalid_client",
        "error_description": "client_assertion expires too far in the future (at most an hour)",
    }
    assert jwks_server.seen == []
