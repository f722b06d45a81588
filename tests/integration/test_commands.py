"""Command-line automation: oidc_client create and seed_demo."""

import json
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.core.management import CommandError, call_command
from django.test import Client as Browser

from oidc.models import Client
from tests.integration.helpers import basic

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_oidc_client_create_prints_credentials_as_json_and_stores_only_a_digest():
    out = run(
        "oidc_client",
        "create",
        "--name",
        "CLI App",
        "--redirect-uri",
        "https://cli.example.org/cb",
        "--redirect-uri",
        "https://cli.example.org/cb2",
        "--post-logout-redirect-uri",
        "https://cli.example.org/",
        "--token-endpoint-auth-method",
        "client_secret_post",
        "--skip-consent",
        "--format",
        "json",
    )
    data = json.loads(out)
    client = Client.objects.get(client_id=data["client_id"])
    assert (
        client.name == "CLI App"
        and client.skip_authorization
        and client.token_endpoint_auth_method == "client_secret_post"
    )
    assert client.redirect_uris.split() == ["https://cli.example.org/cb", "https://cli.example.org/cb2"]
    assert len(data["client_secret"]) >= 43  # >= 256 bits of entropy
    assert (
        client.client_secret.startswith("portico_client_secret$")
        and data["client_secret"] not in client.client_secret
    )
    assert check_password(data["client_secret"], client.client_secret)
    assert not check_password(data["client_secret"] + "x", client.client_secret)


def test_oidc_client_create_refuses_a_fragment_in_a_redirect_uri():
    with pytest.raises(CommandError, match="fragment"):
        run("oidc_client", "create", "--name", "Bad", "--redirect-uri", "https://x.example.org/cb#frag")
    assert not Client.objects.exists()


def test_oidc_client_create_takes_the_logout_uris_backchannel_2_2_frontchannel_2():
    out = run(
        "oidc_client", "create", "--name", "Logout App", "--redirect-uri", "https://cli.example.org/cb",
        "--backchannel-logout-uri", "https://cli.example.org/bc", "--backchannel-logout-session-required",
        "--frontchannel-logout-uri", "https://cli.example.org/fc", "--format", "json",
    )  # fmt: skip
    client = Client.objects.get(client_id=json.loads(out)["client_id"])
    assert (client.backchannel_logout_uri, client.backchannel_logout_session_required) == (
        "https://cli.example.org/bc",
        True,
    )
    assert (client.frontchannel_logout_uri, client.frontchannel_logout_session_required) == (
        "https://cli.example.org/fc",
        False,
    )
    with pytest.raises(CommandError, match="frontchannel_logout_uri"):
        run(
            "oidc_client", "create", "--name", "Bad", "--redirect-uri", "https://x.example.org/cb",
            "--frontchannel-logout-uri", "https://x.example.org/fc#frag",
        )  # fmt: skip
    assert Client.objects.count() == 1


def test_public_client_gets_no_secret():
    data = json.loads(
        run(
            "oidc_client",
            "create",
            "--name",
            "SPA",
            "--redirect-uri",
            "https://spa.example.org/",
            "--token-endpoint-auth-method",
            "none",
            "--format",
            "json",
        )
    )
    assert data["client_secret"] is None
    assert Client.objects.get(client_id=data["client_id"]).client_type == "public"


def test_seed_demo_is_idempotent_and_fills_every_standard_claim():
    first = json.loads(run("seed_demo", "--password", "pw-one-123", "--format", "json"))
    second = json.loads(run("seed_demo", "--password", "pw-two-456", "--format", "json"))
    assert get_user_model().objects.filter(username="demo").count() == 1
    assert Client.objects.filter(client_id="demo-app").count() == 1
    user = get_user_model().objects.get(username="demo")
    assert user.check_password("pw-two-456")
    from oidc.claims import SCOPE_CLAIMS, user_claims

    every = {c for claims in SCOPE_CLAIMS.values() for c in claims}
    assert every <= set(user_claims(user))
    client = Client.objects.get(client_id="demo-app")
    assert check_password(second["client_secret"], client.client_secret)
    assert not check_password(first["client_secret"], client.client_secret)


def _json_command(*args) -> dict | list:
    out = StringIO()
    call_command("oidc_client", *args, "--format", "json", stdout=out)
    return json.loads(out.getvalue())


def test_oidc_client_list_show_rotate_disable_enable_delete(db):
    created = _json_command("create", "--name", "CLI App", "--grant-type", "client_credentials")
    client_id, secret = created["client_id"], created["client_secret"]
    assert [row["client_id"] for row in _json_command("list")] == [client_id]
    shown = _json_command("show", client_id)
    assert shown["client_name"] == "CLI App" and shown["active"] is True and "client_secret" not in shown

    def token(value):
        return (
            Browser()
            .post("/token", {"grant_type": "client_credentials"}, **basic(client_id, value))
            .status_code
        )

    rotated = _json_command("rotate-secret", client_id, "--overlap-hours", "1")["client_secret"]
    assert token(rotated) == 200 and token(secret) == 200  # overlap
    assert _json_command("disable", client_id) == {"client_id": client_id, "active": False}
    assert token(rotated) == 401
    _json_command("enable", client_id)
    assert token(rotated) == 200
    assert _json_command("delete", client_id)["deleted"] is True
    assert not Client.objects.exists()


def test_oidc_client_unknown_id_is_a_clear_error(db):
    with pytest.raises(CommandError, match="no client 'nope'"):
        call_command("oidc_client", "show", "nope", stdout=StringIO())


def test_oidc_client_create_management_client_gets_the_admin_scope():
    out = run(
        "oidc_client",
        "create",
        "--name",
        "Platform",
        "--grant-type",
        "client_credentials",
        "--management",
        "--format",
        "json",
    )
    data = json.loads(out)
    response = Browser().post(
        "/token",
        {"grant_type": "client_credentials", "scope": "portico:admin"},
        **basic(data["client_id"], data["client_secret"]),
    )
    assert response.status_code == 200 and response.json()["scope"] == "portico:admin"
    token = response.json()["access_token"]
    listing = Browser().get("/api/v1/clients", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert listing.json()["results"][0]["client_id"] == data["client_id"]


def test_oidc_client_create_management_needs_client_credentials():
    with pytest.raises(CommandError, match="can_manage"):
        run(
            "oidc_client",
            "create",
            "--name",
            "X",
            "--redirect-uri",
            "https://x.example.org/cb",
            "--management",
        )
