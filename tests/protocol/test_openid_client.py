"""The code flow, userinfo and refresh through the certified Node relying-party library openid-client
(installed by scripts/setup dev from tests/protocol/openid_client/package-lock.json). openid-client checks
the id_token (signature from the JWKS, iss, aud, exp, nonce), state, iss (RFC 9207) and PKCE itself."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.protocol.conformance.agent import REDIRECT, UserAgent

pytestmark = pytest.mark.django_db(transaction=True)
RP = Path(__file__).parent / "openid_client"


def test_openid_client_code_flow_userinfo_and_refresh(live_server, issuer_at, make_client, make_user):
    node = shutil.which("node")
    assert node and (RP / "node_modules" / "openid-client").is_dir(), "run ./scripts/setup dev"
    issuer = issuer_at(live_server.url)
    rp, secret = make_client(redirect_uris=(REDIRECT,), name="Node RP")
    person = make_user(email="node@example.org", email_verified=True, first_name="Grace")
    process = subprocess.Popen(
        [node, str(RP / "rp.mjs"), issuer, rp.client_id, secret, REDIRECT],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        authorization_url = json.loads(process.stdout.readline())["authorization_url"]
        outcome = UserAgent(issuer).open(authorization_url, user=person)
        assert outcome.mode == "query" and "code" in outcome.params, outcome
        process.stdin.write(outcome.location + "\n")
        process.stdin.flush()
        result_line = process.stdout.readline()
        process.wait(timeout=30)
    finally:
        process.kill()
    assert result_line, process.stderr.read()
    result = json.loads(result_line)
    assert result["claims"]["sub"] == person.sub and result["claims"]["iss"] == issuer
    assert result["userinfo"]["email"] == "node@example.org" and result["userinfo"]["given_name"] == "Grace"
    assert result["refreshed_claims"]["sub"] == person.sub
    assert result["refreshed_claims"]["auth_time"] == result["claims"]["auth_time"]
    assert result["rotated"] is True
