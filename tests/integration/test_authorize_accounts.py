"""Where authorization meets the accounts pages: prompt=create (Initiating User Registration via OpenID
Connect 1.0), acr_values / essential acr with a second-factor step-up (Core 3.1.2.1, 5.5.1.1)."""

import json
import time
from urllib.parse import urlencode

import jwt
import pyotp
import pytest
from django.contrib.auth import get_user_model
from django.test import Client as Browser

from accounts import mfa
from tests.conftest import pkce_pair, query_of
from tests.integration.accounts_helpers import confirm_email, last_link, run_worker, sign_in
from tests.integration.helpers import authorize_params, exchange
from tests.oauth import assert_redirect_error

pytestmark = pytest.mark.django_db


def _authorize(browser, rp, **overrides):
    verifier, challenge = pkce_pair()
    params = authorize_params(rp, code_challenge=challenge, code_challenge_method="S256", **overrides)
    return browser.get("/authorize?" + urlencode(params)), verifier


def _finish(browser, response):
    """Follow same-site redirects and allow consent until the app's redirect URI is reached."""
    for _ in range(10):
        if response.status_code == 200 and "request_id" in (response.context or {}):
            response = browser.post("/authorize/consent", {"request_id": response.context["request_id"], "decision": "allow"})
            continue
        location = response.get("Location", "")
        if response.status_code == 302 and location.startswith("/"):
            response = browser.get(location)
            continue
        return response
    raise AssertionError("too many redirects")


def _id_token(rp, secret, code, verifier):
    body = exchange(Browser(), code, client=rp, secret=secret, verifier=verifier).json()
    return jwt.decode(body["id_token"], options={"verify_signature": False})


@pytest.fixture
def mfa_person(make_user):
    user = make_user(email="dana@example.org", email_verified=True)
    secret = pyotp.random_base32()
    mfa.enable_totp(user, secret)
    user.authenticator = pyotp.TOTP(secret)
    return user


@pytest.mark.django_db(transaction=True)  # the worker runs its own transactions
def test_prompt_create_sends_to_sign_up_and_comes_back(make_client, settings):
    settings.PORTICO_SIGNUP = "open"
    rp, secret = make_client(name="Shiny App")
    browser = Browser()
    response, verifier = _authorize(browser, rp, prompt="create")
    assert response.status_code == 302 and response["Location"].startswith("/signup?next=")
    page = browser.get(response["Location"])
    assert "Shiny App" in page.content.decode()
    password = "a long and unusual passphrase"
    browser.post(response["Location"], {"email": "new@example.org", "password1": password, "password2": password,
                                        "next": page.context["next"]})
    run_worker()  # the verification link is mailed by the worker
    verified = confirm_email(browser, last_link("new@example.org"))
    login_url = verified.context["continue_url"]
    assert login_url.startswith("/login?")
    back = sign_in(browser, "new@example.org", password, next=query_of(login_url)["next"])
    final = _finish(browser, back)
    code = query_of(final["Location"])["code"]
    claims = _id_token(rp, secret, code, verifier)
    assert claims["sub"] == get_user_model().objects.get(email="new@example.org").sub


def test_prompt_create_is_advertised_only_while_sign_up_is_open(settings):
    settings.PORTICO_SIGNUP = "open"
    assert "create" in Browser().get("/.well-known/openid-configuration").json()["prompt_values_supported"]
    settings.PORTICO_SIGNUP = "closed"
    assert "create" not in Browser().get("/.well-known/openid-configuration").json()["prompt_values_supported"]


def test_acr_values_2_steps_up_to_the_second_factor_core_3_1_2_1(mfa_person, make_client):
    rp, secret = make_client()
    browser = Browser()
    sign_in(browser, mfa_person.username, mfa_person.raw_password)
    browser.post("/login/verify", {"code": mfa_person.authenticator.now()})
    # Signed in with both factors already: acr 2 is met without asking again.
    response, verifier = _authorize(browser, rp, acr_values="2")
    code = query_of(_finish(browser, response)["Location"])["code"]
    assert _id_token(rp, secret, code, verifier)["acr"] == "2"


def test_password_only_sign_in_is_stepped_up_for_acr_2(mfa_person, make_client):
    rp, secret = make_client()
    browser = Browser()
    browser.force_login(mfa_person)  # a one-factor sign-in (amr pwd)
    response, verifier = _authorize(browser, rp, acr_values="2 1")
    assert response.status_code == 302 and response["Location"] == "/login/verify"
    code_for_next_step = mfa_person.authenticator.at(int(time.time()) + 30)
    back = browser.post("/login/verify", {"code": code_for_next_step})
    assert back["Location"].startswith("/authorize?")
    code = query_of(_finish(browser, back)["Location"])["code"]
    claims = _id_token(rp, secret, code, verifier)
    assert claims["acr"] == "2" and {"otp", "mfa"} <= set(claims["amr"])


def test_voluntary_acr_2_without_a_second_factor_returns_acr_1(browser, make_client):
    rp, secret = make_client()
    response, verifier = _authorize(browser, rp, acr_values="2")
    code = query_of(_finish(browser, response)["Location"])["code"]
    assert _id_token(rp, secret, code, verifier)["acr"] == "1"


def test_essential_acr_that_cannot_be_met_is_an_error_core_5_5_1_1(browser, make_client):
    rp, _ = make_client()
    claims = json.dumps({"id_token": {"acr": {"essential": True, "values": ["2"]}}})
    response, _ = _authorize(browser, rp, claims=claims)
    assert response["Location"].startswith(rp.redirect_uris.split()[0])
    assert_redirect_error(response["Location"], "unmet_authentication_requirements", state="st-123")


def test_step_up_with_prompt_none_is_interaction_required(mfa_person, make_client):
    rp, _ = make_client()
    browser = Browser()
    browser.force_login(mfa_person)
    response, _ = _authorize(browser, rp, acr_values="2", prompt="none")
    assert_redirect_error(response["Location"], "interaction_required", state="st-123")
