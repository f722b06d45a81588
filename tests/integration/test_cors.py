"""Cross-origin reads by browser-based clients (Fetch Standard CORS protocol; oidc/cors.py): per-client
origins on token, userinfo, revocation and introspection; preflights; discovery and JWKS from anywhere."""

import base64
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client as Browser

from oidc import cors
from oidc.models import Client
from tests.integration.helpers import get_code

pytestmark = pytest.mark.django_db

SPA = "https://spa.example.org"
OTHER = "https://evil.example.net"


def _preflight(path: str, origin: str, *, method: str = "POST", headers: str = "authorization"):
    return Browser().options(
        path,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD=method,
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS=headers,
    )


@pytest.fixture
def spa(make_client):
    client, _ = make_client(confidential=False, redirect_uris=(SPA + "/callback",), skip_consent=True)
    return client


def _tokens(browser, client, *, origin=SPA):
    code, verifier = get_code(browser, client)
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "code_verifier": verifier,
        "redirect_uri": SPA + "/callback",
        "client_id": client.client_id,
    }
    return Browser().post("/token", data, HTTP_ORIGIN=origin)


def test_public_client_token_answer_readable_by_its_redirect_uri_origin(browser, spa):
    response = _tokens(browser, spa)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == SPA
    assert "Access-Control-Allow-Credentials" not in response  # no cookies are involved
    assert "origin" in response["Vary"].lower()


def test_token_answer_not_readable_by_an_origin_the_client_does_not_allow(browser, spa):
    response = _tokens(browser, spa, origin=OTHER)
    assert response.status_code == 200  # the browser, not the server, withholds it from the page
    assert "Access-Control-Allow-Origin" not in response


def test_registered_allowed_origins_replace_the_redirect_uri_default(browser, make_client):
    client, _ = make_client(
        confidential=False, redirect_uris=(SPA + "/callback",), allowed_origins="https://app.example.org"
    )
    assert cors.client_origins(client) == {"https://app.example.org"}
    confidential, _ = make_client(redirect_uris=(SPA + "/callback",))
    assert cors.client_origins(confidential) == set()  # confidential clients: only what they register


def test_userinfo_preflight_with_authorization_header(spa):
    response = _preflight("/userinfo", SPA, method="GET")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == SPA
    assert "authorization" in response["Access-Control-Allow-Headers"].split(", ")
    assert {"GET", "POST"} <= set(response["Access-Control-Allow-Methods"].split(", "))
    assert int(response["Access-Control-Max-Age"]) > 0


@pytest.mark.parametrize("path", ["/token", "/par", "/revoke", "/introspect", "/userinfo"])
def test_preflight_from_an_origin_no_client_allows_gets_no_cors_headers(spa, path):
    response = _preflight(path, OTHER)
    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Methods" not in response


@pytest.mark.parametrize("path", ["/token", "/par", "/revoke", "/introspect"])
def test_preflight_of_client_endpoints_for_an_allowed_origin(spa, path):
    response = _preflight(path, SPA, headers="content-type")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == SPA


@pytest.mark.parametrize("method", ["get", "post"])
def test_userinfo_readable_by_the_token_clients_origin_only(browser, spa, method):
    access_token = _tokens(browser, spa).json()["access_token"]
    for origin, allowed in ((SPA, True), (OTHER, False)):
        response = getattr(Browser(), method)(
            "/userinfo", HTTP_AUTHORIZATION="Bearer " + access_token, HTTP_ORIGIN=origin
        )
        assert response.status_code == 200
        assert response.get("Access-Control-Allow-Origin") == (origin if allowed else None)


def test_userinfo_error_readable_with_its_challenge(spa):
    response = Browser().get("/userinfo", HTTP_AUTHORIZATION="Bearer nope", HTTP_ORIGIN=SPA)
    assert response.status_code == 401
    assert response["Access-Control-Allow-Origin"] == SPA
    assert "WWW-Authenticate" in response["Access-Control-Expose-Headers"]


def test_revocation_readable_by_the_clients_origin(browser, spa):
    tokens = _tokens(browser, spa).json()
    data = {"token": tokens["refresh_token"], "client_id": spa.client_id}
    response = Browser().post("/revoke", data, HTTP_ORIGIN=SPA)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == SPA
    response = Browser().post("/revoke", data, HTTP_ORIGIN=OTHER)
    assert "Access-Control-Allow-Origin" not in response


@pytest.mark.parametrize("path", ["/.well-known/openid-configuration", "/.well-known/jwks.json"])
def test_discovery_and_jwks_readable_from_any_origin(path):
    response = Browser().get(path, HTTP_ORIGIN=OTHER)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"


def test_pages_get_no_cors_headers(spa):
    response = Browser().get("/login", HTTP_ORIGIN=SPA)
    assert "Access-Control-Allow-Origin" not in response


@pytest.mark.parametrize(
    "origin, problem",
    [
        ("https://app.example.org", False),
        ("https://app.example.org:8443", False),
        ("http://127.0.0.1:5173", False),
        ("http://localhost:3000", False),
        ("http://[::1]:8080", False),
        ("http://app.example.org", True),  # http only on loopback
        ("https://app.example.org/", True),  # an origin has no path
        ("https://app.example.org/cb", True),
        ("https://app.example.org:443", True),  # not the serialized origin
        ("*", True),
        ("null", True),
    ],
)
def test_origin_rules_in_development(origin, problem):
    assert bool(cors.origin_problem(origin)) is problem


def test_http_loopback_origins_only_while_the_issuer_is_on_http(settings):
    settings.PORTICO_ISSUER = "https://id.example.com"
    assert "development" in cors.origin_problem("http://127.0.0.1:5173")
    assert cors.origin_problem("https://app.example.org") == ""


def test_cli_sets_and_updates_allowed_origins():
    out = StringIO()
    call_command(
        "oidc_client",
        "create",
        "--name=SPA",
        "--redirect-uri=https://spa.example.org/cb",
        "--token-endpoint-auth-method=none",
        "--allowed-origin=https://spa.example.org",
        "--allowed-origin=https://www.example.org",
        "--format=json",
        stdout=out,
    )
    client_id = json.loads(out.getvalue())["client_id"]
    out = StringIO()
    call_command("oidc_client", "show", client_id, "--format=json", stdout=out)
    assert json.loads(out.getvalue())["allowed_origins"] == [
        "https://spa.example.org",
        "https://www.example.org",
    ]
    out = StringIO()
    call_command(
        "oidc_client",
        "update",
        client_id,
        "--allowed-origin=https://new.example.org",
        "--format=json",
        stdout=out,
    )
    assert json.loads(out.getvalue())["allowed_origins"] == ["https://new.example.org"]
    with pytest.raises(Exception, match="allowed_origins: http://new.example.org: must use https"):
        call_command("oidc_client", "update", client_id, "--allowed-origin=http://new.example.org")


def test_registration_metadata_carries_allowed_origins(settings):
    settings.PORTICO_REGISTRATION = "open"
    body = {"redirect_uris": ["https://app.example.org/cb"], "allowed_origins": ["https://app.example.org"]}
    created = Browser().post("/register", json.dumps(body), content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["allowed_origins"] == ["https://app.example.org"]
    body["allowed_origins"] = ["https://app.example.org/path"]
    refused = Browser().post("/register", json.dumps(body), content_type="application/json")
    assert refused.status_code == 400
    assert refused.json() == {
        "error": "invalid_client_metadata",
        "error_description": "allowed_origins: https://app.example.org/path: must be an origin, "
        "scheme://host[:port] without path or trailing slash",
    }


def test_management_api_sets_allowed_origins(make_client):
    manager, secret = make_client(redirect_uris=(), grant_types=["client_credentials"], can_manage=True)
    token = (
        Browser()
        .post(
            "/token",
            {"grant_type": "client_credentials", "scope": "portico:admin"},
            HTTP_AUTHORIZATION="Basic " + base64.b64encode(f"{manager.client_id}:{secret}".encode()).decode(),
        )
        .json()["access_token"]
    )
    body = {"redirect_uris": ["https://app.example.org/cb"], "allowed_origins": ["https://www.example.org"]}
    created = Browser().post(
        "/api/v1/clients",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer " + token,
    )
    assert created.status_code == 201, created.content
    assert created.json()["allowed_origins"] == ["https://www.example.org"]
    assert cors.client_origins(Client.objects.get(client_id=created.json()["client_id"])) == {
        "https://www.example.org"
    }


def test_cross_origin_reads_at_par_are_the_clients_origins_only(make_client):
    """/par names its client in the body or HTTP Basic: its answer is readable by that client's origins only."""
    from tests.conftest import pkce_pair

    public, _ = make_client(confidential=False, redirect_uris=(SPA + "/callback",), skip_consent=True)
    make_client(confidential=False, redirect_uris=(OTHER + "/callback",))  # OTHER is some client's origin
    _verifier, challenge = pkce_pair()
    form = {
        "client_id": public.client_id,
        "response_type": "code",
        "redirect_uri": SPA + "/callback",
        "scope": "openid",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    for origin, allowed in ((SPA, True), (OTHER, False)):
        response = Browser().post("/par", form, HTTP_ORIGIN=origin)
        assert response.status_code == 201, response.content
        assert response.get("Access-Control-Allow-Origin") == (origin if allowed else None)


def test_a_multipart_token_request_is_judged_by_its_client_like_a_form(browser, spa, make_client):
    """A browser sends multipart/form-data cross-origin without a preflight: the client named in it decides."""
    make_client(confidential=False, redirect_uris=(OTHER + "/callback",))  # OTHER is some client's origin
    code, verifier = get_code(browser, spa)
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": SPA + "/callback",
        "client_id": spa.client_id,
        "code_verifier": verifier,
    }
    response = Browser().post("/token", data, HTTP_ORIGIN=OTHER)  # the test client sends multipart
    assert response.status_code == 200 and "Access-Control-Allow-Origin" not in response


def test_preflight_is_not_crowded_out_by_clients_whose_uris_contain_the_origin(make_client):
    """Clients registered with look-alike URIs (the origin as a prefix of another host) come first in the
    table; the client the origin belongs to still answers the preflight."""
    for n in range(60):
        make_client(confidential=False, redirect_uris=(f"{SPA}.decoy{n}.example/callback",))
    make_client(confidential=False, redirect_uris=(SPA + "/callback",))
    response = _preflight("/userinfo", SPA, method="GET")
    assert response["Access-Control-Allow-Origin"] == SPA
