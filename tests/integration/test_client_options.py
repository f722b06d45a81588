"""What a newcomer meets first: command-line options, machine-only clients, the claims in the id_token,
error descriptions, seed_demo on https and manage.py with nothing configured."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from urllib.parse import urlencode

import jwt
import pytest
from django.core.management import call_command
from django.test import Client as Browser

from oidc.models import Client
from tests.integration.helpers import authorize_params, basic, exchange, get_code

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def run(*args) -> dict:
    out = StringIO()
    call_command(*args, "--format=json", stdout=out)
    return json.loads(out.getvalue())


def test_cli_creates_a_hybrid_resource_server_with_id_token_claims():
    created = run(
        "oidc_client",
        "create",
        "--name=Hybrid",
        "--redirect-uri=https://app.example.org/cb",
        "--grant-type=authorization_code",
        "--grant-type=implicit",
        "--response-type=code",
        "--response-type=code id_token",
        "--resource-server",
        "--id-token-claims",
    )
    client = Client.objects.get(client_id=created["client_id"])
    assert client.response_types == ["code", "code id_token"]
    assert client.can_introspect and client.id_token_claims
    shown = run("oidc_client", "update", client.client_id, "--no-resource-server")
    assert shown["resource_server"] is False and shown["id_token_claims"] is True


def test_id_token_claims_option_puts_scope_claims_in_the_code_flow_id_token_core_5_4(browser, make_client):
    browser.user.first_name, browser.user.email = "Ada", "ada@example.org"
    browser.user.save()
    for option, expected in ((False, None), (True, "ada@example.org")):
        rp, secret = make_client(skip_consent=True, id_token_claims=option)
        code, verifier = get_code(browser, rp, scope="openid profile email")
        tokens = exchange(Browser(), code, client=rp, secret=secret, verifier=verifier).json()
        claims = jwt.decode(tokens["id_token"], options={"verify_signature": False})
        assert claims.get("email") == expected
        assert claims.get("given_name") == ("Ada" if option else None)


def test_client_credentials_token_never_gets_openid(make_client):
    rp, secret = make_client(grant_types=["client_credentials"])
    for scope in (None, "openid", "openid profile"):
        data = {"grant_type": "client_credentials"} | ({"scope": scope} if scope else {})
        response = Browser().post("/token", data, **basic(rp.client_id, secret))
        assert response.status_code == 200, response.content
        assert "openid" not in response.json().get("scope", "").split()


def test_unregistered_grant_type_is_described_rfc6749_5_2(make_client):
    rp, secret = make_client()
    response = Browser().post("/token", {"grant_type": "client_credentials"}, **basic(rp.client_id, secret))
    assert response.status_code == 400
    assert response.json() == {
        "error": "unauthorized_client",
        "error_description": "This client is not registered for the client_credentials grant "
        "(its grant_types: authorization_code, refresh_token).",
    }


def test_unregistered_response_type_is_described_rfc6749_4_1_2_1(browser, make_client):
    rp, _ = make_client(grant_types=["authorization_code", "implicit"])
    params = authorize_params(rp, response_type="code id_token")
    response = browser.get("/authorize?" + urlencode(params))
    assert response.status_code == 302
    location = response["Location"]
    assert "error=unauthorized_client" in location
    assert "not+registered+for+response_type+code+id_token" in location


def test_registration_accepts_a_client_credentials_only_client_without_response_types(settings):
    settings.PORTICO_REGISTRATION = "open"
    body = {"client_name": "Machine", "grant_types": ["client_credentials"]}
    response = Browser().post("/register", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["response_types"] == []


def test_management_api_accepts_a_client_credentials_only_client_without_response_types(make_client):
    manager, secret = make_client(redirect_uris=(), grant_types=["client_credentials"], can_manage=True)
    token = (
        Browser()
        .post(
            "/token",
            {"grant_type": "client_credentials", "scope": "portico:admin"},
            **basic(manager.client_id, secret),
        )
        .json()["access_token"]
    )
    response = Browser().post(
        "/api/v1/clients",
        json.dumps({"client_name": "Worker", "grant_types": ["client_credentials"]}),
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer " + token,
    )
    assert response.status_code == 201, response.content
    assert response.json()["response_types"] == []


def test_seed_demo_works_when_the_issuer_is_https(settings):
    settings.PORTICO_ISSUER = "https://id.example.com"
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": "https://id.example.com"}
    info = run("seed_demo")
    demo = Client.objects.get(client_id=info["client_id"])
    assert demo.application_type == "native"  # loopback http redirect URIs (RFC 8252 7.3)
    assert info["redirect_uri"] in demo.redirect_uris.split()
    assert Client.objects.get(client_id="portico-playground").redirect_uris.startswith(
        "https://id.example.com/"
    )


def test_manage_py_runs_with_nothing_configured(tmp_path):
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PORTICO_VAR_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "manage.py", "oidc_client", "--help"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "--help" in done.stdout and "development settings (DEBUG=1)" in done.stderr
    half = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**env, "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert half.returncode != 0 and "SECRET_KEY must be set" in half.stderr  # half-configured: refused
