"""Client authentication meets libraries where they are (RFC 6749 2.3.1: a secret-based client may send its
secret with HTTP Basic or in the body) and every refusal says why: invalid_client with an error_description,
a Basic challenge after HTTP Basic (RFC 6749 5.2), the reason logged and the secret never. Driven over real
HTTP by Authlib and requests."""

import logging
import time
import uuid

import jwt
import pytest
import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def op(live_server, issuer_at):
    issuer = issuer_at(live_server.url)
    return requests.get(issuer + "/.well-known/openid-configuration", timeout=10).json()


def _machine(make_client, method: str, **options):
    return make_client(auth_method=method, grant_types=["client_credentials"], **options)


@pytest.mark.parametrize(
    "registered, used",
    [("client_secret_basic", "client_secret_post"), ("client_secret_post", "client_secret_basic")],
)
def test_rfc6749_2_3_1_secret_clients_authenticate_either_way_everywhere(op, make_client, registered, used):
    rp, secret = _machine(make_client, registered)
    session = OAuth2Session(
        rp.client_id, secret, token_endpoint_auth_method=used, revocation_endpoint_auth_method=used
    )
    token = session.fetch_token(op["token_endpoint"], grant_type="client_credentials")
    assert token["access_token"]
    answer = session.introspect_token(op["introspection_endpoint"], token=token["access_token"])
    assert answer.status_code == 200 and answer.json()["active"] is True
    revoked = session.revoke_token(op["revocation_endpoint"], token=token["access_token"])
    assert revoked.status_code == 200
    assert session.introspect_token(op["introspection_endpoint"], token=token["access_token"]).json() == {
        "active": False
    }


def _refusal(op, *, auth=None, **data):
    return requests.post(
        op["token_endpoint"], data={"grant_type": "client_credentials", **data}, auth=auth, timeout=10
    )


def test_unknown_client_with_basic_is_described_and_challenged_rfc6749_5_2(op, caplog):
    caplog.set_level(logging.INFO, logger="oidc.client_auth")
    response = _refusal(op, auth=("no-such-client", "s3cret-value"))
    assert response.status_code == 401
    assert response.json() == {
        "error": "invalid_client",
        "error_description": "Unknown client_id, or the client is disabled.",
    }
    assert response.headers["WWW-Authenticate"] == f'Basic realm="{op["issuer"]}"'
    assert "no-such-client" in caplog.text and "Unknown client_id" in caplog.text
    assert "s3cret-value" not in caplog.text


def test_wrong_secret_through_authlib_says_so_and_is_never_logged(op, make_client, caplog):
    caplog.set_level(logging.INFO)
    rp, _ = _machine(make_client, "client_secret_basic")
    session = OAuth2Session(
        rp.client_id, "wrong-secret-value", token_endpoint_auth_method="client_secret_post"
    )
    with pytest.raises(OAuthError) as refused:
        session.fetch_token(op["token_endpoint"], grant_type="client_credentials")
    assert refused.value.error == "invalid_client"
    assert refused.value.description == "The client secret is wrong."
    assert "The client secret is wrong." in caplog.text
    assert "wrong-secret-value" not in caplog.text


def test_wrong_secret_in_the_body_gets_the_basic_challenge_rfc9110_15_5_2(op, make_client):
    rp, _ = _machine(make_client, "client_secret_post")
    response = _refusal(op, client_id=rp.client_id, client_secret="wrong")
    assert response.status_code == 401
    assert response.json()["error_description"] == "The client secret is wrong."
    # Every 401 names a scheme (RFC 9110 15.5.2); a token endpoint's is Basic, never a resource server's Bearer.
    assert response.headers["WWW-Authenticate"].startswith("Basic realm=")


def test_disabled_client_is_described_as_unknown_or_disabled(op, make_client):
    rp, secret = _machine(make_client, "client_secret_basic", is_active=False)
    response = _refusal(op, auth=(rp.client_id, secret))
    assert response.json()["error_description"] == "Unknown client_id, or the client is disabled."


def test_jwt_client_sending_a_secret_is_told_its_registered_method(op, make_client):
    rp, secret = _machine(make_client, "client_secret_jwt")
    response = _refusal(op, auth=(rp.client_id, secret))
    assert response.status_code == 401
    assert response.json()["error_description"] == (
        "This client is registered for client_secret_jwt (token_endpoint_auth_method) and cannot "
        "authenticate with a client secret: send a client_assertion JWT (HS256, HS384, HS512)."
    )


def _hs256_assertion(client_id: str, secret: str, audience: str, *, exp: float) -> str:
    claims = {"iss": client_id, "sub": client_id, "aud": audience, "exp": exp, "jti": str(uuid.uuid4())}
    return jwt.encode(claims, secret, algorithm="HS256")


ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def test_secret_client_sending_an_assertion_is_told_its_registered_method(op, make_client):
    rp, secret = _machine(make_client, "client_secret_basic")
    assertion = _hs256_assertion(rp.client_id, secret, op["token_endpoint"], exp=time.time() + 60)
    response = _refusal(op, client_assertion=assertion, client_assertion_type=ASSERTION_TYPE)
    assert response.json()["error_description"] == (
        "This client is registered for client_secret_basic (token_endpoint_auth_method) and cannot "
        "authenticate with client_assertion: send its secret with HTTP Basic or as client_secret in the body."
    )


def test_expired_assertion_is_described(op, make_client):
    rp, secret = _machine(make_client, "client_secret_jwt")
    assertion = _hs256_assertion(rp.client_id, secret, op["token_endpoint"], exp=time.time() - 3600)
    response = _refusal(op, client_assertion=assertion, client_assertion_type=ASSERTION_TYPE)
    assert response.status_code == 401
    assert response.json()["error_description"] == "client_assertion has expired (RFC 7519 4.1.4)"


def test_wrong_assertion_type_is_described(op, make_client):
    rp, secret = _machine(make_client, "client_secret_jwt")
    assertion = _hs256_assertion(rp.client_id, secret, op["token_endpoint"], exp=time.time() + 60)
    response = _refusal(op, client_assertion=assertion, client_assertion_type="jwt")
    assert (
        response.json()["error_description"]
        == f"client_assertion_type must be {ASSERTION_TYPE} (RFC 7523 2.2)."
    )


def test_confidential_client_sending_no_credentials_is_told_what_to_send(op, make_client):
    rp, _ = _machine(make_client, "private_key_jwt", jwks={"keys": [{"kty": "oct"}]})
    response = _refusal(op, client_id=rp.client_id)
    assert response.status_code == 401
    assert response.json()["error_description"] == (
        "This client must authenticate with private_key_jwt (its token_endpoint_auth_method): send a "
        "client_assertion JWT (RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA)."
    )


def test_two_methods_at_once_are_refused_rfc6749_2_3(op, make_client):
    rp, secret = _machine(make_client, "client_secret_basic")
    response = _refusal(op, auth=(rp.client_id, secret), client_secret=secret)
    assert response.json()["error_description"] == (
        "Use one authentication method (RFC 6749 2.3), not HTTP Basic and client_secret."
    )
    assert response.headers["WWW-Authenticate"].startswith("Basic ")


def test_no_client_at_all_is_described(op):
    response = _refusal(op)
    assert response.status_code == 401
    assert response.json()["error_description"] == (
        "No client_id and no client credentials were sent (RFC 6749 2.3)."
    )
