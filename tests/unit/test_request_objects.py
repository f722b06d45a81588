"""Request object rules (Core 6.1, 6.3; RFC 9101): pure functions, time as a parameter."""

from types import SimpleNamespace

import pytest

from oidc import request_objects
from oidc.constants import REQUEST_OBJECT_ALGS, REQUEST_OBJECT_SIGNING_ALGS
from oidc.errors import OAuthError as RequestError
from oidc.request_objects import LEEWAY, check_claims, check_outer, effective_params

ISSUER = "https://id.example.com"
NOW = 1_700_000_000


def _check(now=NOW, **claims):
    check_claims(claims, client_id="rp-1", issuer=ISSUER, now=now)


def _error(**kwargs) -> RequestError:
    with pytest.raises(RequestError) as caught:
        _check(**kwargs)
    return caught.value


def test_rfc7519_4_1_4_exp_at_both_edges_with_leeway():
    _check(exp=NOW - LEEWAY + 1)
    error = _error(exp=NOW - LEEWAY)
    assert (error.error, error.description) == (
        "invalid_request_object",
        "the request object has expired (RFC 7519 4.1.4)",
    )


def test_rfc7519_4_1_5_nbf_and_4_1_6_iat_in_the_future():
    _check(nbf=NOW + LEEWAY, iat=NOW + LEEWAY)
    assert _error(nbf=NOW + LEEWAY + 1).description == "the request object is not valid yet (RFC 7519 4.1.5)"
    assert (
        _error(iat=NOW + LEEWAY + 1).description
        == "the request object was issued in the future (RFC 7519 4.1.6)"
    )
    assert (
        _error(exp="tomorrow").description == "exp of the request object must be a NumericDate (RFC 7519 2)"
    )
    assert _error(iat=True).error == "invalid_request_object"


def test_rfc9101_4_iss_is_the_client_and_aud_names_the_issuer():
    _check(iss="rp-1", aud=ISSUER)
    _check(aud=["https://other.example", ISSUER])
    assert _error(iss="rp-2").description == "iss of the request object must be the client_id (RFC 9101 4)"
    assert _error(aud="https://other.example").description == (
        "aud of the request object must be this issuer (RFC 9101 4)"
    )
    assert _error(aud=[ISSUER + "/token"]).error == "invalid_request_object"


def test_rfc9101_5_client_id_inside_must_be_the_client_id_parameter():
    _check(client_id="rp-1")
    assert _error(client_id="rp-2").description == (
        "client_id in the request object is not the client_id parameter (RFC 9101 5)"
    )


@pytest.mark.parametrize("name", ["request", "request_uri"])
def test_rfc9101_4_no_request_or_request_uri_inside(name):
    error = _error(**{name: "x"})
    assert (error.error, error.description) == (
        "invalid_request_object",
        "a request object must not contain request or request_uri (RFC 9101 4)",
    )


def test_core_6_3_3_parameters_inside_win_and_become_strings():
    query = {"client_id": "rp-1", "state": "outer", "prompt": "login", "request": "ey..", "scope": "openid"}
    claims = {
        "iss": "rp-1",
        "aud": ISSUER,
        "exp": NOW,
        "state": "inner",
        "max_age": 60,
        "claims": {"id_token": {"email": {"essential": True}}},
        "login_hint": None,
    }
    assert effective_params(query, claims) == {
        "client_id": "rp-1",
        "state": "inner",
        "prompt": "login",
        "scope": "openid",
        "max_age": "60",
        "claims": '{"id_token":{"email":{"essential":true}}}',
    }


def test_core_6_1_response_type_and_openid_scope_also_outside():
    check_outer(
        {"response_type": "code", "scope": "openid"}, {"response_type": "code", "scope": "openid email"}
    )
    check_outer({"client_id": "rp-1"}, {"scope": "api"})  # a plain OAuth request (RFC 9101 5)
    with pytest.raises(RequestError) as mismatch:
        check_outer({"response_type": "code", "scope": "openid"}, {"response_type": "id_token"})
    assert mismatch.value.error == "invalid_request_object"
    with pytest.raises(RequestError) as no_scope:
        check_outer({"response_type": "code"}, {"scope": "openid"})
    assert (no_scope.value.error, no_scope.value.description) == (
        "invalid_request",
        "scope with openid must also be sent as a parameter (Core 6.1)",
    )
    with pytest.raises(RequestError) as no_type:
        check_outer({"scope": "openid"}, {"response_type": "code", "scope": "openid"})
    assert no_type.value.description == "response_type must also be sent as a parameter (Core 6.1)"


def test_registration_2_registered_alg_is_the_only_one_and_without_one_any_listed_alg_even_none():
    assert request_objects.algorithms_for(SimpleNamespace(request_object_signing_alg="")) == (
        [*REQUEST_OBJECT_SIGNING_ALGS, "none"]
    )
    assert "none" not in REQUEST_OBJECT_SIGNING_ALGS
    assert not any(alg.startswith("HS") for alg in REQUEST_OBJECT_ALGS)  # RFC 8725 2.1
    assert request_objects.algorithms_for(SimpleNamespace(request_object_signing_alg="ES256")) == ["ES256"]
    assert request_objects.algorithms_for(SimpleNamespace(request_object_signing_alg="none")) == ["none"]
    assert request_objects.algorithms_for(SimpleNamespace(request_object_signing_alg="HS256")) == []


def test_rfc7515_a_5_unsecured_object_needs_an_empty_signature():
    client = SimpleNamespace(request_object_signing_alg="none", client_id="rp-1", jwks=None, jwks_uri="")
    unsigned = "eyJhbGciOiJub25lIn0.eyJzdGF0ZSI6InMifQ."  # {"alg":"none"} {"state":"s"}
    assert request_objects.verify(unsigned, client=client, issuer=ISSUER, now=NOW) == {"state": "s"}
    with pytest.raises(RequestError) as caught:
        request_objects.verify(unsigned + "c2ln", client=client, issuer=ISSUER, now=NOW)
    assert caught.value.description == 'a request object with alg "none" must have an empty signature'
