"""Open dynamic registration is not a redirector (RFC 9700 4.11.2): a client anyone registered gets errors
found before any interaction (prompt=none without a session, a bad scope) on a page that names its host and
goes back only on a click, unless PORTICO_REGISTRATION_TRUSTED_HOSTS vouches for its redirect URI's host;
with that list set, open registration accepts redirect URIs on those hosts only. Over HTTP with requests."""

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from oidc.models import Client
from tests.oauth import assert_oauth_error, assert_redirect_error

pytestmark = pytest.mark.django_db(transaction=True)
REDIRECT = "https://app.example.org/cb"


@pytest.fixture
def portico(live_server, issuer_at, settings):
    settings.PORTICO_REGISTRATION = "open"
    return issuer_at(live_server.url)


def register(portico, redirect_uri=REDIRECT, **headers):
    body = {"redirect_uris": [redirect_uri], "client_name": "Self-registered"}
    return requests.post(portico + "/register", json=body, headers=headers, timeout=10)


def authorize(portico, client_id, redirect_uri=REDIRECT, **params):
    query = {"client_id": client_id, "redirect_uri": redirect_uri, "response_type": "code", "scope": "openid"}
    query.update(state="xyz", code_challenge="E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
    query.update(code_challenge_method="S256", prompt="none", **params)
    return requests.get(portico + "/authorize?" + urlencode(query), allow_redirects=False, timeout=10)


def test_rfc9700_4_11_2_openly_registered_client_gets_errors_only_on_a_click(portico):
    client_id = register(portico).json()["client_id"]
    assert Client.objects.get(client_id=client_id).registered_openly

    response = authorize(portico, client_id)
    assert response.status_code == 400 and "Location" not in response.headers
    assert "app.example.org" in response.text and "not been verified" in response.text
    [link] = [part.split('"')[1] for part in response.text.split("href=")[1:] if REDIRECT in part]
    back = urlsplit(link.replace("&amp;", "&"))
    assert back._replace(query="").geturl() == REDIRECT
    assert {k: v[0] for k, v in parse_qs(back.query).items()} == {
        "error": "login_required",
        "error_description": parse_qs(back.query)["error_description"][0],
        "state": "xyz",
        "iss": portico,
    }

    posted = authorize(portico, client_id, response_mode="form_post")
    assert posted.status_code == 400 and "form_post.js" not in posted.text  # no auto-submit
    assert f'action="{REDIRECT}"' in posted.text and 'value="login_required"' in posted.text
    assert "form-action https://app.example.org" in posted.headers["Content-Security-Policy"]


def test_rfc9700_4_11_2_unregistered_redirect_uri_is_still_never_a_target(portico):
    client_id = register(portico).json()["client_id"]
    response = authorize(portico, client_id, redirect_uri="https://evil.example/cb")
    assert response.status_code == 400 and "evil.example" not in response.text


def test_vetted_clients_get_their_errors_redirected_core_3_1_2_6(portico, settings):
    """Cleared by an operator, on a trusted host, or registered with an initial access token: a redirect."""
    client_id = register(portico).json()["client_id"]
    Client.objects.filter(client_id=client_id).update(registered_openly=False)
    assert authorize(portico, client_id).status_code == 302

    settings.PORTICO_REGISTRATION_TRUSTED_HOSTS = ["*.example.org"]
    trusted = register(portico, "https://other.example.org/cb").json()["client_id"]
    response = authorize(portico, trusted, "https://other.example.org/cb")
    assert response.status_code == 302
    assert_redirect_error(response.headers["Location"], "login_required")


def test_trusted_hosts_limit_open_registration_rfc7591_3_2_2(portico, settings):
    settings.PORTICO_REGISTRATION_TRUSTED_HOSTS = ["app.example.org", "*.apps.example.net"]
    assert register(portico).status_code == 201
    assert register(portico, "https://team.apps.example.net/cb").status_code == 201
    for refused in (
        "https://evil.example/cb",
        "https://apps.example.net.evil.example/cb",
        "https://apps.example.net/cb",
    ):
        response = register(portico, refused)
        assert_oauth_error(response, 400, "invalid_redirect_uri")
        assert "open registration" in response.json()["error_description"]


def test_token_mode_registration_is_vetted(portico, settings):
    from oidc import registration

    settings.PORTICO_REGISTRATION = "token"
    _token, value = registration.create_initial_token("partner")
    created = register(portico, Authorization=f"Bearer {value}")
    assert created.status_code == 201
    assert not Client.objects.get(client_id=created.json()["client_id"]).registered_openly
    assert authorize(portico, created.json()["client_id"]).status_code == 302
