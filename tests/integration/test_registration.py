"""Dynamic client registration: RFC 7591 3, RFC 7592 2, OIDC Dynamic Client Registration 1.0."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client as Browser
from django.utils import timezone

from oidc.models import Client
from oidc.registration import create_initial_token
from tests.integration.helpers import basic
from tests.integration.metadata_cases import BAD_METADATA, VALID
from tests.oauth import assert_oauth_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_registration(settings):
    settings.PORTICO_REGISTRATION = "open"


def post(body, **headers):
    raw = body if isinstance(body, str) else json.dumps(body)
    return Browser().post("/register", raw, content_type="application/json", **headers)


def test_registration_is_off_by_default_and_not_advertised():
    assert "registration_endpoint" not in Browser().get("/.well-known/openid-configuration").json()
    response = post(VALID)
    assert_oauth_error(response, 404, "invalid_request")
    assert not Client.objects.exists()


def test_register_read_update_delete_rfc7591_rfc7592(open_registration):
    assert (
        Browser()
        .get("/.well-known/openid-configuration")
        .json()["registration_endpoint"]
        .endswith("/register")
    )
    created = post(VALID)
    assert created.status_code == 201, created.content
    assert created["Cache-Control"] == "no-store"
    body = created.json()
    assert body["client_secret"] and body["client_secret_expires_at"] == 0
    assert body["registration_access_token"] and body["client_id_issued_at"] > 0
    assert body["client_name#fr"] == "Appli enregistrée" and body["default_max_age"] == 3600
    assert "software_statement_unknown_member" not in body
    logout_members = ("post_logout_redirect_uris", "backchannel_logout_uri", "frontchannel_logout_uri")
    assert {name: body[name] for name in logout_members} == {name: VALID[name] for name in logout_members}
    assert body["backchannel_logout_session_required"] is body["frontchannel_logout_session_required"] is True
    client = Client.objects.get(client_id=body["client_id"])
    assert not client.skip_authorization and not client.can_introspect
    assert body["registration_access_token"] not in client.registration_access_token

    # The credentials work at the token endpoint.
    token = Browser().post(
        "/token", {"grant_type": "client_credentials"}, **basic(body["client_id"], body["client_secret"])
    )
    assert token.status_code == 200

    auth = {"HTTP_AUTHORIZATION": "Bearer " + body["registration_access_token"]}
    uri = body["registration_client_uri"].removeprefix("http://127.0.0.1:8000")
    read = Browser().get(uri, **auth)
    assert read.status_code == 200 and read.json()["client_name"] == "Registered App"
    assert "client_secret" not in read.json()
    assert Browser().get(uri, HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert Browser().get(uri).status_code == 401

    changed = {
        **VALID,
        "client_id": body["client_id"],
        "client_name": "Renamed",
        "redirect_uris": ["https://app.example.org/new"],
    }
    updated = Browser().put(uri, json.dumps(changed), content_type="application/json", **auth)
    assert updated.status_code == 200, updated.content
    # RFC 7592 3 / Registration 3.2: registration_client_uri and registration_access_token, both or neither.
    for answer in (read.json(), updated.json()):
        assert answer["registration_client_uri"] == body["registration_client_uri"]
        assert answer["registration_access_token"] == body["registration_access_token"]
    assert Browser().get(uri, **auth).status_code == 200  # the token stays valid after a read and an update
    assert updated.json()["client_name"] == "Renamed" and updated.json()["redirect_uris"] == [
        "https://app.example.org/new"
    ]
    without_id = Browser().put(uri, json.dumps(VALID), content_type="application/json", **auth)
    assert_oauth_error(without_id, 400, "invalid_client_metadata")

    other = post({**VALID, "client_name": "Other"}).json()
    foreign = Browser().get(uri, HTTP_AUTHORIZATION="Bearer " + other["registration_access_token"])
    assert foreign.status_code == 401  # one client's token never opens another's registration

    assert Browser().delete(uri, **auth).status_code == 204
    assert not Client.objects.filter(client_id=body["client_id"]).exists()
    assert Browser().get(uri, **auth).status_code == 401
    gone = Browser().post(
        "/token", {"grant_type": "client_credentials"}, **basic(body["client_id"], body["client_secret"])
    )
    assert gone.status_code == 401


@pytest.mark.parametrize("change,error,field", BAD_METADATA)
def test_each_field_is_validated_with_a_named_error_rfc7591_3_2_2(open_registration, change, error, field):
    response = post({**VALID, **change})
    assert_oauth_error(response, 400, error, field)
    assert not Client.objects.exists()


@pytest.mark.parametrize("raw", ["not json", "[]", '"string"', "{"])
def test_malformed_bodies_are_invalid_client_metadata(open_registration, raw):
    response = post(raw)
    assert_oauth_error(response, 400, "invalid_client_metadata")


def test_public_native_client_registers_without_a_secret(open_registration):
    body = post(
        {
            "client_name": "Desktop",
            "application_type": "native",
            "token_endpoint_auth_method": "none",
            "redirect_uris": ["http://127.0.0.1/callback", "com.example.desktop:/cb"],
        }
    ).json()
    assert "client_secret" not in body and body["token_endpoint_auth_method"] == "none"


@pytest.mark.parametrize("alg", ["none", "RS256", "ES256"])
def test_request_object_signing_alg_none_or_asymmetric_registration_2(open_registration, alg):
    """Registration 2: request_object_signing_alg may be "none" (unsigned request objects, Core 6.1)."""
    response = post({**VALID, "request_object_signing_alg": alg})
    assert response.status_code == 201, response.content
    assert response.json()["request_object_signing_alg"] == alg
    assert Client.objects.get().request_object_signing_alg == alg


def test_token_mode_needs_a_live_initial_access_token(settings):
    settings.PORTICO_REGISTRATION = "token"
    assert post(VALID).status_code == 401
    assert post(VALID, HTTP_AUTHORIZATION="Bearer nope").status_code == 401
    token, value = create_initial_token("partner", max_uses=1)
    assert value not in token.token
    assert post(VALID, HTTP_AUTHORIZATION="Bearer " + value).status_code == 201
    assert post(VALID, HTTP_AUTHORIZATION="Bearer " + value).status_code == 401  # used up
    _, expired = create_initial_token("old", expires=timezone.now() - timedelta(seconds=1))
    assert post(VALID, HTTP_AUTHORIZATION="Bearer " + expired).status_code == 401
    # A failed registration does not spend a use.
    _, once = create_initial_token("retry", max_uses=1)
    assert post({**VALID, "logo_uri": "http://x"}, HTTP_AUTHORIZATION="Bearer " + once).status_code == 400
    assert post(VALID, HTTP_AUTHORIZATION="Bearer " + once).status_code == 201


def test_initial_access_token_command(settings):
    settings.PORTICO_REGISTRATION = "token"
    out = StringIO()
    call_command("oidc_initial_token", "create", "--label", "partner", "--format", "json", stdout=out)
    value = json.loads(out.getvalue())["token"]
    out = StringIO()
    call_command("oidc_initial_token", "list", stdout=out)
    assert "partner" in out.getvalue() and value not in out.getvalue()
    call_command("oidc_initial_token", "revoke", "--label", "partner", stdout=StringIO())
    assert post(VALID, HTTP_AUTHORIZATION="Bearer " + value).status_code == 401


def test_open_registration_is_rate_limited_per_network_rfc7591_10(open_registration, settings):
    settings.PORTICO_REGISTRATION_PER_HOUR = 2
    assert post(VALID, REMOTE_ADDR="198.51.100.4").status_code == 201
    assert post({"redirect_uris": "not a list"}, REMOTE_ADDR="198.51.100.4").status_code == 400  # counted too
    refused = post(VALID, REMOTE_ADDR="198.51.100.4")
    assert refused.status_code == 429 and refused["Retry-After"] == "3600"
    assert refused.json() == {
        "error": "temporarily_unavailable",
        "error_description": "Too many registrations from your network. Try again later.",
    }
    assert Client.objects.count() == 1
    assert post(VALID, REMOTE_ADDR="198.51.100.5").status_code == 201  # another network


@pytest.mark.parametrize(
    ("uris", "application_type"),
    [
        (["https://user@app.example.org/cb"], "web"),
        (["https://user:pw@app.example.org/cb"], "web"),
        (["http://user@127.0.0.1:5555/cb"], "native"),
        (["http://evil.example@127.0.0.1/cb"], "native"),
    ],
)
def test_userinfo_in_a_redirect_uri_is_refused_at_registration_rfc8252_8_3(open_registration, uris, application_type):
    """RFC 8252 8.3 / RFC 9700 4.1.1: userinfo would make the browser and the server read a different host."""
    response = post({**VALID, "redirect_uris": uris, "application_type": application_type})
    assert response.status_code == 400 and response.json()["error"] == "invalid_redirect_uri", response.content
    assert not Client.objects.exists()
