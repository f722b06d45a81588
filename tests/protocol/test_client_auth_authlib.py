"""Every client authentication method (RFC 6749 2.3.1, OIDC Core 9, RFC 7523) at the token, introspection
and revocation endpoints, driven over real HTTP by an independent library (Authlib)."""

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import ClientSecretJWT, PrivateKeyJWT
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from joserfc.jwk import ECKey
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from tests.oauth import assert_oauth_error

pytestmark = pytest.mark.django_db(transaction=True)


def _keypair(kind: str):
    private = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if kind == "RSA"
        else ec.generate_private_key(ec.SECP256R1())
    )
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    algorithm = RSAAlgorithm if kind == "RSA" else ECAlgorithm
    jwk = algorithm.to_jwk(private.public_key(), as_dict=True)
    jwk.update({"kid": f"{kind.lower()}-1", "use": "sig"})
    return pem, {"keys": [jwk]}


def _session_for(method: str, rp, secret, *, key_pem=None, alg=None):
    """Authlib configured for one method at every endpoint. The JWT methods put the URL being called in
    `aud`, which Portico accepts besides its issuer and token endpoint."""
    auth: object = method
    if method == "client_secret_jwt":
        auth = ClientSecretJWT()
    elif method == "private_key_jwt":
        auth = PrivateKeyJWT(alg=alg)
    credential = secret
    if method == "private_key_jwt":  # Authlib reads a PEM as RSA; other key types are passed as keys
        credential = key_pem if alg.startswith(("RS", "PS")) else ECKey.import_key(key_pem)
    session = OAuth2Session(
        rp.client_id, credential, token_endpoint_auth_method=auth, revocation_endpoint_auth_method=auth
    )
    return session


CASES = [
    ("client_secret_basic", None, None),
    ("client_secret_post", None, None),
    ("client_secret_jwt", None, None),
    ("private_key_jwt", "RSA", "jwks"),
    ("private_key_jwt", "EC", "jwks_uri"),
]


@pytest.mark.parametrize("method,kind,where", CASES)
def test_every_client_authentication_method_at_token_introspection_and_revocation(
    live_server, issuer_at, make_client, jwks_server, method, kind, where
):
    issuer = issuer_at(live_server.url)
    metadata = requests.get(issuer + "/.well-known/openid-configuration", timeout=10).json()
    assert method in metadata["token_endpoint_auth_methods_supported"]
    assert method in metadata["introspection_endpoint_auth_methods_supported"]
    options = {}
    pem = alg = None
    if kind:
        pem, jwks = _keypair(kind)
        alg = "RS256" if kind == "RSA" else "ES256"
        options = {"jwks": jwks} if where == "jwks" else {"jwks_uri": jwks_server("/jwks.json", jwks)}
    rp, secret = make_client(auth_method=method, grant_types=["client_credentials"], **options)
    session = _session_for(method, rp, secret, key_pem=pem, alg=alg)

    token = session.fetch_token(metadata["token_endpoint"], grant_type="client_credentials")
    assert token["token_type"] == "Bearer" and token["access_token"]

    answer = session.introspect_token(metadata["introspection_endpoint"], token=token["access_token"])
    assert answer.status_code == 200, answer.text
    assert answer.json()["active"] is True and answer.json()["client_id"] == rp.client_id

    revoked = session.revoke_token(metadata["revocation_endpoint"], token=token["access_token"])
    assert revoked.status_code == 200, revoked.text
    answer = session.introspect_token(metadata["introspection_endpoint"], token=token["access_token"])
    assert answer.json() == {"active": False}


@pytest.mark.parametrize(
    "registered,used",
    [
        ("private_key_jwt", "client_secret_basic"),
        ("client_secret_jwt", "client_secret_post"),
        ("client_secret_basic", "client_secret_jwt"),
    ],
)
def test_the_method_used_must_be_the_registered_one(live_server, issuer_at, make_client, registered, used):
    issuer = issuer_at(live_server.url)
    pem, jwks = _keypair("RSA")
    rp, secret = make_client(
        auth_method=registered,
        grant_types=["client_credentials"],
        **({"jwks": jwks} if registered == "private_key_jwt" else {}),
    )
    session = _session_for(used, rp, secret or "not-the-secret")
    response = session.post(issuer + "/token", data={"grant_type": "client_credentials"}, withhold_token=True)
    assert_oauth_error(response, 401, "invalid_client")
