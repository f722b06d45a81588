"""Request objects (Core 6, RFC 9101), the modules of the OpenID Foundation's test plans that use them
(oidcc-request-object*, oidcc-unsigned-request-object-*; oidcc-request-uri-* are in test_request_uri_op.py),
over real HTTP. Clients register their keys by Dynamic Registration; objects are signed with joserfc;
id_tokens are verified from the JWKS by the test itself."""

import base64
import hashlib
import hmac
import json
import secrets
import time

import pytest
import requests

from .agent import REDIRECT, UserAgent, client_key, public_jwks, request_object, verify_id_token

pytestmark = pytest.mark.django_db(transaction=True)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _inner(rp, op, **overrides) -> dict:
    now = int(time.time())
    claims = {
        "iss": rp.client_id,
        "aud": op,
        "client_id": rp.client_id,
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "scope": "openid",
        "state": "inner-" + secrets.token_urlsafe(6),
        "nonce": "inner-" + secrets.token_urlsafe(6),
        "iat": now,
        "exp": now + 300,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _outer(rp, token: str, **extra) -> dict:
    """Core 6.1: response_type, client_id and scope (with openid) also travel as parameters."""
    params = {"response_type": "code", "client_id": rp.client_id, "scope": "openid", "request": token}
    params.update(extra)
    return {k: v for k, v in params.items() if v is not None}


def _signed_rp(register, alg: str = "RS256", **metadata):
    key = client_key(alg)
    return key, register(jwks=public_jwks(key), request_object_signing_alg=alg, **metadata)


def _id_token(op, redeem, rp, code: str, nonce: str) -> dict:
    response = redeem(rp, rp.secret, code)
    assert response.status_code == 200, response.text
    tokens = response.json()
    return {
        **verify_id_token(op, tokens["id_token"], client_id=rp.client_id, nonce=nonce),
        "_access_token": tokens["access_token"],
    }


def _assert_error(outcome, op, *, error: str, description: str, state: str | None, mode: str = "query"):
    """Core 3.1.2.6 at the registered redirect_uri: the whole error, with state and iss (RFC 9207)."""
    assert outcome.mode == mode and outcome.location.startswith(REDIRECT), outcome
    expected = {"error": error, "error_description": description, "iss": op}
    if state:
        expected["state"] = state
    assert outcome.params == expected


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
def test_oidcc_request_object_signed_parameters_inside_win_core_6_3_3(
    op, browser, register, person, redeem, alg
):
    key, rp = _signed_rp(register, alg)
    assert rp.metadata["request_object_signing_alg"] == alg
    inner = _inner(rp, op, scope="openid email")
    outer = _outer(rp, request_object(inner, key, alg=alg), redirect_uri=REDIRECT)
    outer.update(state="outer-state", nonce="outer-nonce")
    outcome = browser.authorize(outer, user=person)
    assert outcome.mode == "query" and outcome.params["state"] == inner["state"], outcome
    assert outcome.params["iss"] == op
    claims = _id_token(op, redeem, rp, outcome.params["code"], inner["nonce"])
    userinfo = requests.get(
        op + "/userinfo", headers={"Authorization": f"Bearer {claims['_access_token']}"}, timeout=10
    ).json()
    assert userinfo["email"] == "ada@example.org"  # the scope inside, not the one outside


def test_oidcc_request_object_with_only_the_required_outer_parameters_core_6_1(
    op, browser, register, person, redeem
):
    key, rp = _signed_rp(register)
    inner = _inner(rp, op, response_mode="fragment")
    outcome = browser.authorize(_outer(rp, request_object(inner, key)), user=person)
    assert outcome.mode == "fragment" and outcome.params["state"] == inner["state"]
    _id_token(op, redeem, rp, outcome.params["code"], inner["nonce"])


def test_request_object_by_form_post_core_3_1_2_1(op, register, person, redeem):
    key, rp = _signed_rp(register)
    inner = _inner(rp, op)
    outcome = UserAgent(op).authorize(_outer(rp, request_object(inner, key)), user=person, method="POST")
    assert outcome.mode == "query" and outcome.params["state"] == inner["state"]
    _id_token(op, redeem, rp, outcome.params["code"], inner["nonce"])


def test_request_object_claims_and_max_age_as_json_values_core_5_5(op, browser, register, person, redeem):
    key, rp = _signed_rp(register)
    inner = _inner(rp, op, max_age=3600, claims={"id_token": {"email": {"essential": True}}})
    outcome = browser.authorize(_outer(rp, request_object(inner, key)), user=person)
    claims = _id_token(op, redeem, rp, outcome.params["code"], inner["nonce"])
    assert claims["email"] == "ada@example.org" and "auth_time" in claims


def test_request_object_verified_with_keys_at_jwks_uri(op, browser, register, person, redeem, jwks_server):
    key = client_key("RS256")
    rp = register(jwks_uri=jwks_server("/rp-jwks.json", public_jwks(key)))
    inner = _inner(rp, op)
    outcome = browser.authorize(_outer(rp, request_object(inner, key)), user=person)
    assert outcome.params["state"] == inner["state"]
    _id_token(op, redeem, rp, outcome.params["code"], inner["nonce"])


def test_oidcc_unsigned_request_object_supported_correctly_or_rejected_as_unsupported(
    op, browser, register, person, redeem
):
    """Core 6.1, Registration 2: alg "none" from a client that registered it, and from one that registered
    no request_object_signing_alg (then any algorithm the OP lists in discovery may be used); refused from
    one that registered a signing algorithm (test_oidcc_request_object_alg_none_from_a_client_registered_...)."""
    supported = requests.get(op + "/.well-known/openid-configuration", timeout=10).json()[
        "request_object_signing_alg_values_supported"
    ]
    assert "none" in supported
    for rp in (register(request_object_signing_alg="none"), register()):
        inner = _inner(rp, op)
        outcome = browser.authorize(_outer(rp, request_object(inner), state="outer"), user=person)
        assert outcome.params["state"] == inner["state"]
        _id_token(op, redeem, rp, outcome.params["code"], inner["nonce"])


def test_prompt_login_inside_a_request_object_asks_once_core_3_1_2_1(op, browser, register, person, redeem):
    key, rp = _signed_rp(register)
    inner = _inner(rp, op)
    first = browser.authorize(_outer(rp, request_object(inner, key)), user=person)
    first_auth = _id_token(op, redeem, rp, first.params["code"], inner["nonce"])["auth_time"]
    time.sleep(1.1)
    browser.pages.clear()
    inner = _inner(rp, op, prompt="login")
    second = browser.authorize(_outer(rp, request_object(inner, key)), user=person)
    assert browser.pages == ["login"]  # asked again although signed in, and only once
    assert second.params["state"] == inner["state"]
    assert _id_token(op, redeem, rp, second.params["code"], inner["nonce"])["auth_time"] > first_auth


def _rejected(
    browser, op, register, *, description, error="invalid_request_object", sign=None, mode="query", **changes
):
    key, rp = _signed_rp(register)
    inner = _inner(rp, op, **changes)
    token = sign(inner, key) if sign else request_object(inner, key)
    outcome = browser.authorize(_outer(rp, token, redirect_uri=REDIRECT, state="outer"))
    _assert_error(outcome, op, error=error, description=description, state=inner["state"], mode=mode)


def test_oidcc_request_object_client_id_mismatch_rfc9101_5(op, browser, register):
    _rejected(
        browser,
        op,
        register,
        client_id="someone-else",
        description="client_id in the request object is not the client_id parameter (RFC 9101 5)",
    )


def test_oidcc_request_object_signed_with_another_key_core_6_3_2(op, browser, register):
    stranger = client_key("RS256")  # same kid, not the registered key
    _rejected(
        browser,
        op,
        register,
        sign=lambda claims, _key: request_object(claims, stranger),
        description="the request object's signature does not verify with the client's keys",
    )


def test_oidcc_request_object_with_a_tampered_signature_core_6_3_2(op, browser, register):
    def tamper(claims, key):
        header, payload, signature = request_object(claims, key).split(".")
        return ".".join([header, payload, ("A" if signature[0] != "A" else "B") + signature[1:]])

    _rejected(
        browser,
        op,
        register,
        sign=tamper,
        description="the request object's signature does not verify with the client's keys",
    )


def test_oidcc_request_object_alg_none_from_a_client_registered_for_rs256_registration_2(
    op, browser, register
):
    _rejected(
        browser,
        op,
        register,
        sign=lambda claims, _key: request_object(claims),
        description="request objects from this client must be signed with RS256 (Registration 2)",
    )


def test_request_object_hmac_with_the_public_key_is_refused_rfc8725_2_1(op, browser, register):
    """Algorithm confusion: an HS256 MAC keyed with the client's public key (which anyone can read) must not
    verify. Built by hand, as JOSE libraries rightly refuse to do it."""

    def confused(claims, key):
        segments = [{"alg": "HS256", "kid": key.kid}, claims]
        signing_input = ".".join(_b64(json.dumps(s).encode()) for s in segments)
        mac = hmac.new(key.as_pem(private=False), signing_input.encode(), hashlib.sha256).digest()
        return signing_input + "." + _b64(mac)

    _rejected(
        browser,
        op,
        register,
        sign=confused,
        description="request objects from this client must be signed with RS256 (Registration 2)",
    )


def test_oidcc_request_object_expired_rfc7519_4_1_4(op, browser, register):
    now = int(time.time())
    _rejected(
        browser,
        op,
        register,
        iat=now - 600,
        exp=now - 120,
        description="the request object has expired (RFC 7519 4.1.4)",
    )


def test_oidcc_request_object_for_another_audience_rfc9101_4(op, browser, register):
    _rejected(
        browser,
        op,
        register,
        aud="https://other-op.example.org",
        description="aud of the request object must be this issuer (RFC 9101 4)",
    )


def test_request_object_response_type_must_match_the_parameter_core_6_1(op, browser, register):
    _rejected(
        browser,
        op,
        register,
        response_type="id_token",
        mode="fragment",  # the error travels as the object's response_type would have it
        description="response_type in the request object is not the response_type parameter (Core 6.1)",
    )


def test_request_object_with_request_uri_inside_rfc9101_4(op, browser, register):
    _rejected(
        browser,
        op,
        register,
        request_uri="https://rp.example.org/request.jwt",
        description="a request object must not contain request or request_uri (RFC 9101 4)",
    )


def test_request_and_request_uri_together_are_invalid_request_rfc9101_5(op, browser, register):
    key, rp = _signed_rp(register)
    inner = _inner(rp, op)
    outer = _outer(rp, request_object(inner, key), request_uri="https://rp.example.org/request.jwt")
    _assert_error(
        browser.authorize(outer),
        op,
        error="invalid_request",
        description="request and request_uri must not both be sent (RFC 9101 5)",
        state=inner["state"],
    )


def test_openid_request_object_needs_scope_openid_outside_core_6_1(op, browser, register):
    key, rp = _signed_rp(register)
    inner = _inner(rp, op)
    _assert_error(
        browser.authorize(_outer(rp, request_object(inner, key), scope=None)),
        op,
        error="invalid_request",
        description="scope with openid must also be sent as a parameter (Core 6.1)",
        state=inner["state"],
    )


def test_request_object_errors_never_go_to_an_unregistered_redirect_uri_rfc6749_4_1_2_1(
    op, browser, register
):
    key, rp = _signed_rp(register)
    expired = _inner(rp, op, exp=int(time.time()) - 600, redirect_uri="https://attacker.example/cb")
    outcome = browser.authorize(_outer(rp, request_object(expired, key), redirect_uri=REDIRECT))
    assert outcome.mode == "page" and outcome.status == 400  # the object's own redirect_uri is not registered
    assert "the request object has expired" in outcome.text
    valid = _inner(rp, op, redirect_uri="https://attacker.example/cb")
    outcome = browser.authorize(_outer(rp, request_object(valid, key), redirect_uri=REDIRECT))
    assert outcome.mode == "page" and outcome.status == 400


def test_request_object_error_goes_to_the_redirect_uri_inside_core_3_1_2_6(op, browser, register):
    key, rp = _signed_rp(register)
    inner = _inner(rp, op, aud="https://other-op.example.org")
    outcome = browser.authorize(_outer(rp, request_object(inner, key)))  # no redirect_uri outside
    _assert_error(
        outcome,
        op,
        error="invalid_request_object",
        description="aud of the request object must be this issuer (RFC 9101 4)",
        state=inner["state"],
    )


def test_request_object_for_an_unknown_client_shows_a_page(op, browser):
    outcome = browser.authorize(
        {
            "response_type": "code",
            "client_id": "nobody",
            "scope": "openid",
            "request": "e30.e30.",
            "redirect_uri": REDIRECT,
        }
    )
    assert outcome.mode == "page" and outcome.status == 400


def test_a_key_registered_for_another_alg_is_not_used_rfc8725_3_1(op, browser, register):
    key = client_key("RS256")
    jwks = public_jwks(key)
    jwks["keys"][0]["alg"] = "PS256"  # the client said this key signs PS256 only
    rp = register(jwks=jwks)
    inner = _inner(rp, op)
    _assert_error(
        browser.authorize(_outer(rp, request_object(inner, key, alg="RS256"))),
        op,
        error="invalid_request_object",
        description="the request object's signature does not verify with the client's keys",
        state=inner["state"],
    )
