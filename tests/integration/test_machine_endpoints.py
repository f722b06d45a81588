"""The machine endpoints' short middleware path (oidc/middleware.py), cached discovery/JWKS documents and
token values. Behaviour, not speed: bench/ measures speed."""

import base64
import re

import pytest
from django.test import Client as Browser

from tests.integration.helpers import basic, exchange, get_code
from tests.oauth import assert_oauth_error

pytestmark = pytest.mark.django_db

BASE64URL_256_BITS = re.compile(r"^[A-Za-z0-9_-]{43}$")


@pytest.fixture
def issued(browser, make_client):
    rp, secret = make_client(can_introspect=True)
    code, verifier = get_code(browser, rp)
    tokens = exchange(Browser(), code, client=rp, secret=secret, verifier=verifier)
    return rp, secret, tokens


def test_token_response_keeps_security_headers_without_browser_state(issued):
    _, _, response = issued
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"  # RFC 6749 5.1, from the view itself
    # No session, CSRF or language middleware ran: nothing set or varied on cookies or languages.
    assert not response.cookies
    assert "Content-Language" not in response
    assert "Cookie" not in response.get("Vary", "")


def test_browser_pages_still_get_the_full_middleware(client):
    page = client.get("/login", HTTP_ACCEPT_LANGUAGE="fr")
    assert page.status_code == 200
    assert page["Content-Language"] == "fr"
    assert "csrftoken" in page.cookies
    assert page["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("path", ["/token", "/userinfo", "/introspect", "/.well-known/openid-configuration"])
def test_machine_endpoints_refuse_hosts_outside_allowed_hosts(path):
    response = Browser(HTTP_HOST="attacker.example").generic("GET", path)
    assert response.status_code == 400


def test_userinfo_and_introspection_answer_on_the_short_path(issued):
    rp, secret, response = issued
    access = response.json()["access_token"]
    http = Browser()
    info = http.get("/userinfo", HTTP_AUTHORIZATION=f"Bearer {access}")
    assert info.status_code == 200 and info.json()["sub"]
    assert "Content-Language" not in info
    answer = http.post("/introspect", {"token": access}, **basic(rp.client_id, secret))
    assert answer.status_code == 200 and answer.json()["active"] is True


def test_rfc7592_configuration_urls_take_the_short_path(settings):
    settings.PORTICO_REGISTRATION = "open"
    # An unknown client's configuration URL: an RFC 6750 error, and no browser middleware on the way.
    response = Browser().get("/register/unknown-client", HTTP_AUTHORIZATION="Bearer nothing")
    assert_oauth_error(response, 401, "invalid_token")
    assert "Content-Language" not in response


def test_issued_tokens_are_256_bit_base64url(issued):
    _, _, response = issued
    tokens = response.json()
    assert BASE64URL_256_BITS.match(tokens["access_token"])
    assert BASE64URL_256_BITS.match(tokens["refresh_token"])
    assert len(base64.urlsafe_b64decode(tokens["access_token"] + "=")) == 32
    assert tokens["access_token"] != tokens["refresh_token"]


def test_discovery_document_follows_settings(settings):
    http = Browser()
    settings.PORTICO_SIGNUP = "open"
    assert "create" in http.get("/.well-known/openid-configuration").json()["prompt_values_supported"]
    first_etag = http.get("/.well-known/openid-configuration")["ETag"]
    settings.PORTICO_SIGNUP = "closed"
    closed = http.get("/.well-known/openid-configuration")
    assert "create" not in closed.json()["prompt_values_supported"]
    assert closed["ETag"] != first_etag


def test_discovery_revalidation_by_etag():
    http = Browser()
    first = http.get("/.well-known/openid-configuration")
    again = http.get("/.well-known/openid-configuration", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again["ETag"] == first["ETag"]


def test_userinfo_answers_and_challenges_are_never_stored(issued):
    _, _, response = issued
    http = Browser()
    answer = http.get("/userinfo", HTTP_AUTHORIZATION=f"Bearer {response.json()['access_token']}")
    challenge = http.get("/userinfo", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert (answer.status_code, challenge.status_code) == (200, 401)
    for each in (answer, challenge):
        assert each["Cache-Control"] == "no-store" and each["Pragma"] == "no-cache"
