"""Core 11 offline access: a refresh token once the person consents to offline access on a page that names
it in plain words, remembered with their consent; prompt=none never asks; prompt=consent always asks."""

from urllib.parse import urlencode

import pytest

from oidc.models import Consent
from tests.conftest import pkce_pair, query_of
from tests.integration.helpers import exchange

pytestmark = pytest.mark.django_db

PLAIN_WORDS = "Keep access when you are not using the app"


def _authorize(browser, rp, **params):
    verifier, challenge = pkce_pair()
    query = {
        "response_type": "code",
        "client_id": rp.client_id,
        "redirect_uri": rp.redirect_uris.split()[0],
        "scope": "openid offline_access",
        "state": "s",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **params,
    }
    return browser.get("/authorize?" + urlencode(query)), verifier


def _tokens(browser, rp, secret, response, verifier) -> dict:
    code = query_of(response["Location"])["code"]
    return exchange(browser, code, client=rp, secret=secret, verifier=verifier).json()


def test_core_11_consent_page_names_offline_access_and_grants_a_refresh_token_without_prompt(
    browser, make_client
):
    rp, secret = make_client()
    page, verifier = _authorize(browser, rp)  # no prompt=consent, as libraries send it
    assert page.status_code == 200
    assert PLAIN_WORDS in page.content.decode()
    response = browser.post(
        "/authorize/consent", {"request_id": page.context["request_id"], "decision": "allow"}
    )
    tokens = _tokens(browser, rp, secret, response, verifier)
    assert "refresh_token" in tokens
    assert set(tokens["scope"].split()) == {"openid", "offline_access"}
    assert "offline_access" in Consent.objects.get(user=browser.user, client=rp).scopes


def test_core_11_offline_consent_is_remembered(browser, make_client):
    rp, secret = make_client()
    page, _ = _authorize(browser, rp)
    browser.post("/authorize/consent", {"request_id": page.context["request_id"], "decision": "allow"})
    again, verifier = _authorize(browser, rp)
    assert again.status_code == 302  # no page: consented before
    assert "refresh_token" in _tokens(browser, rp, secret, again, verifier)
    silent, verifier = _authorize(browser, rp, prompt="none")
    assert "refresh_token" in _tokens(browser, rp, secret, silent, verifier)


def test_core_11_prompt_none_without_offline_consent_ignores_offline_access(browser, make_client):
    rp, secret = make_client()
    page, _ = _authorize(browser, rp, scope="openid")
    browser.post("/authorize/consent", {"request_id": page.context["request_id"], "decision": "allow"})
    silent, verifier = _authorize(browser, rp, prompt="none")  # offline_access asked for, never consented to
    assert silent.status_code == 302
    tokens = _tokens(browser, rp, secret, silent, verifier)
    assert "refresh_token" not in tokens
    assert tokens["scope"] == "openid"


def test_core_11_prompt_consent_still_shows_the_page(browser, make_client):
    rp, _ = make_client()
    page, _ = _authorize(browser, rp)
    browser.post("/authorize/consent", {"request_id": page.context["request_id"], "decision": "allow"})
    forced, _ = _authorize(browser, rp, prompt="consent")
    assert forced.status_code == 200
    assert PLAIN_WORDS in forced.content.decode()


def test_core_11_first_party_client_gets_offline_access_without_a_page(browser, make_client):
    """An administrator registered the client first-party: the condition Core 11 allows in place of asking."""
    rp, secret = make_client(skip_consent=True)
    response, verifier = _authorize(browser, rp)
    assert response.status_code == 302
    assert "refresh_token" in _tokens(browser, rp, secret, response, verifier)


def test_core_11_no_offline_access_without_a_code(browser, make_client):
    rp, _ = make_client(grant_types=["implicit"], response_types=["id_token"])
    page, _ = _authorize(browser, rp, response_type="id_token", nonce="n")
    assert page.status_code == 200
    assert PLAIN_WORDS not in page.content.decode()
