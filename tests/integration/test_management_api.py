"""The management API (/api/v1): who may call it, and that client writes follow the registration rules."""

import json
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.core.exceptions import ValidationError
from django.test import Client as Browser
from django.utils import timezone

from oidc.models import AccessToken, Client, InitialAccessToken
from tests.integration.helpers import authorize_params, basic, register_with
from tests.integration.metadata_cases import BAD_METADATA, VALID
from tests.oauth import assert_oauth_error, assert_redirect_error

pytestmark = pytest.mark.django_db


def _token(client, secret, scope="portico:admin"):
    return Browser().post(
        "/token", {"grant_type": "client_credentials", "scope": scope}, **basic(client.client_id, secret)
    )


@pytest.fixture
def manager(make_client):
    client, secret = make_client(
        name="Platform", redirect_uris=(), grant_types=["client_credentials"], can_manage=True
    )
    return client, secret


@pytest.fixture
def api(manager):
    response = _token(*manager)
    assert response.status_code == 200, response.content
    token = response.json()["access_token"]
    http = Browser()

    def call(method: str, path: str, body=None, *, bearer=token):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {bearer}"} if bearer else {}
        raw = body if isinstance(body, str) or body is None else json.dumps(body)
        return getattr(http, method)(f"/api/v1/{path}", raw, content_type="application/json", **headers)

    return call


def test_admin_scope_is_granted_to_management_clients_by_client_credentials_only_rfc6749_3_3(
    manager, make_client
):
    response = _token(*manager)
    assert response.status_code == 200
    assert response.json()["scope"] == "portico:admin"
    assert "refresh_token" not in response.json()

    other, secret = make_client(redirect_uris=(), grant_types=["client_credentials"])
    refused = _token(other, secret)
    assert_oauth_error(refused, 400, "invalid_scope")


def test_users_cannot_grant_the_admin_scope_at_authorize(browser, make_client):
    client, _ = make_client(grant_types=["authorization_code", "client_credentials"], can_manage=True)
    params = authorize_params(client, scope="openid portico:admin", code_challenge="x" * 43)
    params["code_challenge_method"] = "S256"
    response = browser.get("/authorize?" + urlencode(params))
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("https://rp.example.org/cb?")
    assert_redirect_error(location, "invalid_scope", state="st-123")


def test_management_flag_needs_client_credentials(make_client):
    with pytest.raises(ValidationError) as caught:
        make_client(can_manage=True)  # authorization_code only
    assert "can_manage" in caught.value.message_dict


def test_no_token_invalid_token_and_missing_scope_rfc6750_3_1(api, manager, settings):
    missing = api("get", "clients", bearer=None)
    assert missing.status_code == 401
    assert missing["WWW-Authenticate"] == f'Bearer realm="{settings.PORTICO_ISSUER}"'
    assert missing.json() == {"error": "invalid_token", "error_description": "No access token was sent."}

    invalid = api("get", "clients", bearer="not-a-token")
    assert_oauth_error(invalid, 401, "invalid_token")
    assert 'error="invalid_token"' in invalid["WWW-Authenticate"]

    openid_only = _token(*manager, scope="openid").json()["access_token"]
    forbidden = api("get", "clients", bearer=openid_only)
    assert forbidden.status_code == 403
    assert forbidden.json() == {
        "error": "insufficient_scope",
        "error_description": "The access token does not grant the portico:admin scope.",
    }
    assert 'scope="portico:admin"' in forbidden["WWW-Authenticate"]
    assert forbidden["Cache-Control"] == "no-store"


def test_removing_the_management_flag_cuts_existing_tokens_off(api, manager):
    assert api("get", "clients").status_code == 200
    Client.objects.filter(pk=manager[0].pk).update(can_manage=False)
    assert api("get", "clients").status_code == 403
    Client.objects.filter(pk=manager[0].pk).update(can_manage=True, is_active=False)
    assert_oauth_error(api("get", "clients"), 401, "invalid_token")  # a disabled client's tokens are dead


def test_user_tokens_never_reach_the_api(api, browser, make_client):
    """Even a user's token from a management client (authorization_code) is refused: the API is for the
    client's own client_credentials token."""
    client, _ = make_client(grant_types=["authorization_code", "client_credentials"], can_manage=True)
    AccessToken.objects.create(
        user=browser.user,
        application=client,
        token="user-token-value",
        scope="portico:admin",
        expires=timezone.now() + timedelta(hours=1),
    )
    assert api("get", "clients", bearer="user-token-value").status_code == 403


@pytest.mark.parametrize("change,error,field", BAD_METADATA)
def test_client_writes_get_the_registration_errors_rfc7591_3_2_2(api, change, error, field):
    response = api("post", "clients", {**VALID, **change})
    body = assert_oauth_error(response, 400, error, field)
    assert set(body) == {"error", "error_description"}
    assert not Client.objects.filter(name="Registered App").exists()


def test_request_object_signing_alg_none_is_accepted_registration_2(api):
    created = api("post", "clients", {**VALID, "request_object_signing_alg": "none"})
    assert created.status_code == 201, created.content
    assert created.json()["request_object_signing_alg"] == "none"


def test_create_read_patch_put_delete(api):
    created = api("post", "clients", {**VALID, "first_party": True})
    assert created.status_code == 201, created.content
    document = created.json()
    client_id, secret = document["client_id"], document["client_secret"]
    assert len(secret) >= 43
    assert document["first_party"] is True and document["active"] is True
    assert document["client_name#fr"] == "Appli enregistrée"
    row = Client.objects.get(client_id=client_id)
    assert row.skip_authorization and row.client_secret != secret  # stored as a digest

    read = api("get", f"clients/{client_id}").json()
    assert "client_secret" not in read and read["redirect_uris"] == VALID["redirect_uris"]
    assert read["backchannel_logout_uri"] == VALID["backchannel_logout_uri"]
    assert read["frontchannel_logout_session_required"] is True
    assert read["post_logout_redirect_uris"] == VALID["post_logout_redirect_uris"]

    patched = api("patch", f"clients/{client_id}", {"client_name": "Renamed", "active": False}).json()
    assert patched["client_name"] == "Renamed" and patched["active"] is False
    assert patched["redirect_uris"] == VALID["redirect_uris"]  # kept
    assert patched["id_token_signed_response_alg"] == "ES256"

    put = api("put", f"clients/{client_id}", {"redirect_uris": ["https://new.example.org/cb"]}).json()
    assert put["redirect_uris"] == ["https://new.example.org/cb"]
    assert put["id_token_signed_response_alg"] == "RS256"  # PUT: omitted members take their defaults
    assert put["active"] is True and put["first_party"] is False

    mismatch = api("put", f"clients/{client_id}", {"client_id": "other", "redirect_uris": []})
    assert_oauth_error(mismatch, 400, "invalid_client_metadata")

    assert api("delete", f"clients/{client_id}").status_code == 204
    missing = api("get", f"clients/{client_id}")
    assert missing.status_code == 404
    assert missing.json() == {"error": "not_found", "error_description": "No client with this client_id."}


def test_switching_to_a_secret_method_returns_the_new_secret_once(api):
    public = api(
        "post",
        "clients",
        {"redirect_uris": ["https://app.example.org/cb"], "token_endpoint_auth_method": "none"},
    ).json()
    assert "client_secret" not in public
    switched = api(
        "patch", f"clients/{public['client_id']}", {"token_endpoint_auth_method": "client_secret_post"}
    )
    assert switched.status_code == 200 and switched.json()["client_secret"]
    again = api("patch", f"clients/{public['client_id']}", {"client_name": "Still post"}).json()
    assert "client_secret" not in again


def test_secret_rotation_with_overlap(api, make_client):
    client, old = make_client(redirect_uris=(), grant_types=["client_credentials"])
    rotated = api("post", f"clients/{client.client_id}/secret", {"overlap_seconds": 600})
    assert rotated.status_code == 200
    body = rotated.json()
    assert body["previous_secret_expires_at"] > 0
    assert _token(client, old, scope="openid").status_code == 200
    assert _token(client, body["client_secret"], scope="openid").status_code == 200

    immediate = api("post", f"clients/{client.client_id}/secret", {}).json()
    assert_oauth_error(_token(client, body["client_secret"], scope="openid"), 401, "invalid_client")
    assert _token(client, immediate["client_secret"], scope="openid").status_code == 200

    bad = api("post", f"clients/{client.client_id}/secret", {"overlap_seconds": -5})
    assert_oauth_error(bad, 400, "invalid_request")
    assert "overlap_seconds" in bad.json()["error_description"]


def test_rotating_a_public_clients_secret_is_refused(api, make_client):
    client, _ = make_client(confidential=False)
    response = api("post", f"clients/{client.client_id}/secret", {})
    assert_oauth_error(response, 400, "invalid_request")
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "This client authenticates without a secret (none).",
    }


@pytest.mark.parametrize("raw", ["not json", "[1]", "{"])
def test_malformed_bodies(api, raw):
    response = api("post", "clients", raw)
    assert_oauth_error(response, 400, response.json().get("error"))
    assert response.json()["error"] in ("invalid_request", "invalid_client_metadata")


def test_initial_access_tokens_register_clients_until_revoked(api, settings):
    settings.PORTICO_REGISTRATION = "token"
    created = api("post", "initial-access-tokens", {"label": "platform", "max_uses": 2, "expires_in": 3600})
    assert created.status_code == 201, created.content
    document = created.json()
    value = document["token"]
    assert InitialAccessToken.objects.get(pk=document["id"]).token != value  # digest only
    assert document["usable"] is True and document["uses"] == 0

    register = register_with(value)
    assert register.status_code == 201
    assert api("get", f"initial-access-tokens/{document['id']}").json()["uses"] == 1
    assert "token" not in api("get", "initial-access-tokens").json()["results"][0]

    assert api("delete", f"initial-access-tokens/{document['id']}").status_code == 204
    refused = register_with(value)
    assert_oauth_error(refused, 401, "invalid_token")
    assert api("get", f"initial-access-tokens/{document['id']}").json()["usable"] is False

    missing_label = api("post", "initial-access-tokens", {"max_uses": 0})
    assert_oauth_error(missing_label, 400, "invalid_request")
    assert missing_label.json()["error_description"].startswith("label:")


def test_key_rotation_publishes_a_next_key(api, settings):
    settings.PORTICO_SIGNING_ALGS = ["RS256", "ES256"]
    before = api("get", "keys").json()
    assert {k["alg"] for k in before if k["state"] == "active"} >= {"RS256", "ES256"}
    assert all("d" not in k["public_jwk"] for k in before)  # public parts only

    rotated = api("post", "keys/rotate", {"alg": "ES256"})
    assert rotated.status_code == 200
    (outcome,) = rotated.json()["results"]
    assert outcome["alg"] == "ES256" and outcome["action"] == "prepared" and outcome["activates_after"]
    after = api("get", "keys").json()
    next_keys = [k for k in after if k["state"] == "next"]
    assert [k["alg"] for k in next_keys] == ["ES256"]
    jwks = Browser().get("/.well-known/jwks.json").json()
    assert next_keys[0]["kid"] in {k["kid"] for k in jwks["keys"]}

    both = api("post", "keys/rotate", {}).json()["results"]
    assert {(o["alg"], o["action"]) for o in both} == {("RS256", "prepared"), ("ES256", "waiting")}

    disabled = api("post", "keys/rotate", {"alg": "EdDSA"})
    assert disabled.status_code == 400 and "EdDSA" in disabled.json()["error_description"]
