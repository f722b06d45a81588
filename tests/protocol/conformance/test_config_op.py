"""OpenID Connect Config OP profile: discovery describes exactly what works (Discovery 1.0 section 3)."""

import itertools
import time

import pytest
import requests

from tests.oauth import assert_redirect_error

from .agent import REDIRECT, UserAgent, client_key, public_jwks, request_object, verify_id_token

pytestmark = pytest.mark.django_db(transaction=True)

REQUIRED = [
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    "jwks_uri",
    "response_types_supported",
    "subject_types_supported",
    "id_token_signing_alg_values_supported",
]


def _discovery(op):
    response = requests.get(op + "/.well-known/openid-configuration", timeout=10)
    assert response.status_code == 200
    return response.json()


def test_oidcc_discovery_endpoint_verification(op):
    document = _discovery(op)
    assert all(name in document for name in REQUIRED)
    assert document["issuer"] == op
    assert "RS256" in document["id_token_signing_alg_values_supported"]  # Core 15.1
    for name, value in document.items():
        if name.endswith("_endpoint") or name == "jwks_uri":
            assert value.startswith(op + "/")
    jwks = requests.get(document["jwks_uri"], timeout=10).json()
    assert jwks["keys"] and all("d" not in key for key in jwks["keys"])


def test_every_advertised_response_type_and_mode_works(op, make_rp, person, request_params):
    document = _discovery(op)
    rp, _ = make_rp(
        grant_types=["authorization_code", "implicit"], response_types=document["response_types_supported"]
    )
    for response_type, mode in itertools.product(
        document["response_types_supported"], document["response_modes_supported"]
    ):
        tokens_in_front = {"token", "id_token"} & set(response_type.split())
        params = request_params(rp, response_type=response_type, response_mode=mode, scope="openid")
        outcome = UserAgent(op).authorize(params, user=person)
        if mode == "query" and tokens_in_front:
            assert_redirect_error(outcome.params, "invalid_request")  # Multiple Response Types 2.1
            continue
        assert outcome.mode == mode, (response_type, mode, outcome)
        parts = set(response_type.split())
        expected = (parts - {"token"}) | ({"access_token"} if "token" in parts else set())
        assert expected <= set(outcome.params), (response_type, outcome.params)
        if "id_token" in outcome.params:
            verify_id_token(op, outcome.params["id_token"], client_id=rp.client_id, nonce=params["nonce"])


def test_every_advertised_scope_and_prompt_is_accepted(op, make_rp, person, request_params):
    document = _discovery(op)
    rp, _ = make_rp()
    browser = UserAgent(op)
    outcome = browser.authorize(request_params(rp, scope=" ".join(document["scopes_supported"])), user=person)
    assert "code" in outcome.params
    for prompt in document["prompt_values_supported"]:
        answer = browser.authorize(request_params(rp, prompt=prompt), user=person, choose="current")
        assert "code" in answer.params, (prompt, answer)


def test_claims_in_tokens_are_advertised(op, make_rp, person, request_params, redeem):
    document = _discovery(op)
    rp, secret = make_rp(grant_types=["authorization_code", "implicit"], response_types=["code", "id_token"])
    outcome = UserAgent(op).authorize(
        request_params(rp, response_type="id_token", scope=" ".join(document["scopes_supported"])),
        user=person,
    )
    claims = verify_id_token(op, outcome.params["id_token"], client_id=rp.client_id)
    assert set(claims) - {"jti"} <= set(document["claims_supported"])


def test_every_advertised_request_object_signing_alg_verifies(op, register, person):
    """Discovery 3: request_parameter_supported, and each request_object_signing_alg_values_supported value
    works for a client registered with it ("none" included: Core 6.1 unsigned request objects)."""
    document = _discovery(op)
    assert document["request_parameter_supported"] is True
    assert document["request_uri_parameter_supported"] is True
    assert "RS256" in document["request_object_signing_alg_values_supported"]  # Registration 2: SHOULD
    for alg in document["request_object_signing_alg_values_supported"]:
        key = None if alg == "none" else client_key(alg)
        rp = register(request_object_signing_alg=alg, **({"jwks": public_jwks(key)} if key else {}))
        inner = {
            "iss": rp.client_id,
            "aud": op,
            "client_id": rp.client_id,
            "response_type": "code",
            "redirect_uri": REDIRECT,
            "scope": "openid",
            "state": f"state-{alg}",
            "exp": int(time.time()) + 300,
        }
        outer = {
            "response_type": "code",
            "client_id": rp.client_id,
            "scope": "openid",
            "request": request_object(inner, key, alg=alg),
        }
        outcome = UserAgent(op).authorize(outer, user=person)
        assert outcome.params.get("state") == inner["state"] and "code" in outcome.params, (alg, outcome)
