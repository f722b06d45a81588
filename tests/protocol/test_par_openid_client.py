"""Pushed authorization requests (RFC 9126) through the certified Node relying-party library openid-client,
which pushes with its own implementation of each client authentication method
(buildAuthorizationUrlWithPAR), then checks state, iss (RFC 9207), PKCE and the id_token itself."""

import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.protocol.conformance.agent import REDIRECT, UserAgent

pytestmark = pytest.mark.django_db(transaction=True)
RP = Path(__file__).parent / "openid_client"


def _credential(make_client, method: str):
    """The client, registered to require pushed requests, and what openid-client authenticates with."""
    options: dict = {}
    pem = ""
    if method == "private_key_jwt":
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        options["jwks"] = {"keys": [RSAAlgorithm.to_jwk(private.public_key(), as_dict=True)]}
        options["token_endpoint_auth_signing_alg"] = "RS256"
    rp, secret = make_client(
        auth_method=method,
        redirect_uris=(REDIRECT,),
        skip_consent=True,
        require_pushed_authorization_requests=True,
        **options,
    )
    return rp, pem or secret or "-"


@pytest.mark.parametrize(
    "method", ["client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt", "none"]
)
def test_openid_client_pushes_then_redeems_with_each_auth_method_rfc9126(
    live_server, issuer_at, make_client, make_user, method
):
    node = shutil.which("node")
    assert node and (RP / "node_modules" / "openid-client").is_dir(), "run ./scripts/setup dev"
    issuer = issuer_at(live_server.url)
    rp, credential = _credential(make_client, method)
    person = make_user()
    process = subprocess.Popen(
        [node, str(RP / "rp_par.mjs"), issuer, rp.client_id, method, credential, REDIRECT],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert line, process.stderr.read()
        authorization_url = json.loads(line)["authorization_url"]
        query = dict(parse_qsl(urlsplit(authorization_url).query))
        assert set(query) == {"client_id", "request_uri"} and query["client_id"] == rp.client_id
        outcome = UserAgent(issuer).open(authorization_url, user=person)
        assert outcome.mode == "query" and "code" in outcome.params, outcome
        process.stdin.write(outcome.location + "\n")
        process.stdin.flush()
        result_line = process.stdout.readline()
        process.wait(timeout=30)
    finally:
        process.kill()
    assert result_line, process.stderr.read()
    claims = json.loads(result_line)["claims"]
    assert claims["sub"] == person.sub and claims["iss"] == issuer and claims["aud"] == rp.client_id
