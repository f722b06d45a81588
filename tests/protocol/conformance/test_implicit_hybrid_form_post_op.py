"""OpenID Connect Implicit, Hybrid and Form Post OP profiles (OpenID Foundation test plans): tokens from the
authorization endpoint, at_hash/c_hash computed and compared by the test, fragment and form_post delivery."""

import pytest
import requests

from tests.oauth import assert_redirect_error

from .agent import half_hash, verify_id_token

pytestmark = pytest.mark.django_db(transaction=True)

IMPLICIT = {"grant_types": ["implicit"], "response_types": ["id_token", "id_token token"]}
HYBRID = {
    "grant_types": ["authorization_code", "implicit"],
    "response_types": ["code id_token", "code token", "code id_token token"],
}


def _userinfo(op, access_token):
    return requests.get(op + "/userinfo", headers={"Authorization": f"Bearer {access_token}"}, timeout=10)


@pytest.mark.parametrize("response_type", ["id_token", "id_token token"])
def test_oidcc_server_implicit(op, browser, make_rp, person, request_params, response_type):
    rp, _ = make_rp(**IMPLICIT)
    params = request_params(rp, response_type=response_type, scope="openid email")
    outcome = browser.authorize(params, user=person)
    assert outcome.mode == "fragment" and outcome.params["state"] == params["state"]
    claims = verify_id_token(op, outcome.params["id_token"], client_id=rp.client_id, nonce=params["nonce"])
    if response_type == "id_token":
        # Core 5.4: no access token, so the scope's claims are in the id_token.
        assert claims["email"] == "ada@example.org" and "access_token" not in outcome.params
    else:
        assert claims["at_hash"] == half_hash(outcome.params["access_token"])
        assert "email" not in claims
        assert _userinfo(op, outcome.params["access_token"]).json()["email"] == "ada@example.org"


def test_oidcc_ensure_request_without_nonce_fails_for_implicit(op, browser, make_rp, person, request_params):
    """Core 3.2.2.1: nonce is REQUIRED when the id_token comes from the authorization endpoint."""
    rp, _ = make_rp(**IMPLICIT)
    outcome = browser.authorize(request_params(rp, response_type="id_token", nonce=None), user=person)
    assert outcome.mode == "fragment"
    assert_redirect_error(outcome.params, "invalid_request")


def test_implicit_is_off_unless_registered_rfc9700_2_1_2(op, browser, make_rp, person, request_params):
    rp, _ = make_rp()
    outcome = browser.authorize(request_params(rp, response_type="id_token token"), user=person)
    assert outcome.mode == "fragment"
    assert_redirect_error(outcome.params, "unauthorized_client")


def test_tokens_never_travel_in_the_query(op, browser, make_rp, person, request_params):
    rp, _ = make_rp(**IMPLICIT)
    outcome = browser.authorize(
        request_params(rp, response_type="id_token", response_mode="query"), user=person
    )
    assert outcome.mode == "fragment"
    assert_redirect_error(outcome.params, "invalid_request")


@pytest.mark.parametrize("response_type", ["code id_token", "code token", "code id_token token"])
def test_oidcc_server_hybrid(op, browser, make_rp, person, request_params, redeem, response_type):
    rp, secret = make_rp(**HYBRID)
    params = request_params(rp, response_type=response_type)
    outcome = browser.authorize(params, user=person)
    assert outcome.mode == "fragment" and outcome.params["state"] == params["state"]
    code = outcome.params["code"]
    if "id_token" in response_type:
        front = verify_id_token(op, outcome.params["id_token"], client_id=rp.client_id, nonce=params["nonce"])
        assert front["c_hash"] == half_hash(code)  # Core 3.3.2.11
        if "token" in response_type.split():
            assert front["at_hash"] == half_hash(outcome.params["access_token"])
    if "token" in response_type.split():
        assert _userinfo(op, outcome.params["access_token"]).status_code == 200
    tokens = redeem(rp, secret, code).json()
    back = verify_id_token(op, tokens["id_token"], client_id=rp.client_id, nonce=params["nonce"])
    if "id_token" in response_type:
        assert back["sub"] == front["sub"]  # Core 3.3.3.6: the same subject at both endpoints


def test_hybrid_without_nonce_fails(op, browser, make_rp, person, request_params):
    rp, _ = make_rp(**HYBRID)
    outcome = browser.authorize(request_params(rp, response_type="code id_token", nonce=None), user=person)
    assert_redirect_error(outcome.params, "invalid_request")


@pytest.mark.parametrize(
    "client,response_type",
    [({}, "code"), (IMPLICIT, "id_token token"), (HYBRID, "code id_token")],
)
def test_oidcc_form_post(op, browser, make_rp, person, request_params, client, response_type):
    """OAuth 2.0 Form Post Response Mode: an auto-submitting form to the redirect URI, nothing in the URL."""
    rp, _ = make_rp(**client)
    params = request_params(rp, response_type=response_type, response_mode="form_post")
    outcome = browser.authorize(params, user=person)
    assert outcome.mode == "form_post" and outcome.location == params["redirect_uri"]
    assert outcome.params["state"] == params["state"] and outcome.params["iss"] == op
    assert "form_post.js" in outcome.text
    if "id_token" in response_type:
        verify_id_token(op, outcome.params["id_token"], client_id=rp.client_id, nonce=params["nonce"])


def test_form_post_errors_are_posted_too(op, browser, make_rp, request_params):
    rp, _ = make_rp()
    outcome = browser.authorize(request_params(rp, response_mode="form_post", prompt="none"))
    assert outcome.mode == "form_post"
    assert_redirect_error(outcome.params, "login_required")


def test_pairwise_subjects_are_stable_per_sector_and_differ_across_sectors(
    op, make_rp, person, request_params, redeem
):
    """Core 8.1: the same person, two sectors -> two subjects; the same sector again -> the same one."""
    from .agent import UserAgent

    subjects = []
    for _ in range(2):
        rp, secret = make_rp(subject_type="pairwise")
        browser = UserAgent(op)
        answer = browser.authorize(request_params(rp), user=person).params
        tokens = redeem(rp, secret, answer["code"]).json()
        claims = verify_id_token(op, tokens["id_token"], client_id=rp.client_id)
        assert _userinfo(op, tokens["access_token"]).json()["sub"] == claims["sub"]
        subjects.append(claims["sub"])
    # Both clients share the redirect URI's host, hence the sector: the same pairwise subject.
    assert subjects[0] == subjects[1] and subjects[0] != person.sub
