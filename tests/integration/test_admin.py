"""Django admin: clients are created with a secret shown exactly once; key pages never show private material."""

import re

import pytest
from django.contrib.auth.hashers import check_password
from django.test import Client as Browser

from oidc import keys
from oidc.models import AccessToken, Client, Consent, InitialAccessToken, SigningKey
from tests.integration.helpers import basic, exchange, get_code, register_with
from tests.oauth import assert_oauth_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_browser(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "root-pass-123")
    client.force_login(admin)
    return client


def test_client_secret_is_shown_once_at_creation(admin_browser):
    response = admin_browser.post(
        "/admin/oidc/client/add/",
        {
            "name": "Admin App",
            "is_active": "on",
            "redirect_uris": "https://admin-app.example.org/cb",
            "post_logout_redirect_uris": "",
            "grant_types": '["authorization_code", "refresh_token"]',
            "response_types": '["code"]',
            "token_endpoint_auth_method": "client_secret_basic",
            "id_token_signed_response_alg": "RS256",
            "application_type": "web",
            "subject_type": "public",
            "logo_uri": "",
            "client_uri": "",
            "policy_uri": "",
            "tos_uri": "",
        },
    )
    assert response.status_code == 200, response.content[:2000]
    secret = re.search(r"<th>client_secret</th><td><code>([^<]+)</code>", response.content.decode()).group(1)
    client = Client.objects.get(name="Admin App")
    assert check_password(secret, client.client_secret) and secret not in client.client_secret
    change_page = admin_browser.get(f"/admin/oidc/client/{client.pk}/change/").content.decode()
    assert secret not in change_page and client.client_secret not in change_page


def test_signing_key_admin_shows_no_private_material(admin_browser):
    keys.jwks()
    listing = admin_browser.get("/admin/oidc/signingkey/").content.decode()
    for key in SigningKey.objects.all():
        page = admin_browser.get(f"/admin/oidc/signingkey/{key.pk}/change/").content.decode()
        assert key.kid in page and key.kid in listing
        assert key.private_key_encrypted not in page and "PRIVATE" not in page
        assert key.private_key_encrypted not in listing


def test_admin_lists_load(admin_browser):
    for path in (
        "/admin/oidc/client/",
        "/admin/oidc/consent/",
        "/admin/oidc/signingkey/",
        "/admin/accounts/user/",
        "/admin/oidc/accesstoken/",
        "/admin/oidc/refreshtoken/",
        "/admin/oidc/grant/",
        "/admin/oidc/idtoken/",
    ):
        assert admin_browser.get(path).status_code == 200, path


def test_client_page_has_quickstart_revoke_all_and_secret_rotation(admin_browser, make_user, make_client):

    rp, secret = make_client(
        name="Shop", grant_types=["authorization_code", "refresh_token", "client_credentials"]
    )
    user = make_user()
    browser = Browser()
    browser.force_login(user)
    code, verifier = get_code(browser, rp)
    issued = exchange(Browser(), code, client=rp, secret=secret, verifier=verifier).json()

    page = admin_browser.get(f"/admin/oidc/client/{rp.pk}/change/").content.decode()
    assert "Quickstart" in page and rp.client_id in page and "/.well-known/openid-configuration" in page
    assert "1 access token" in page and "Revoke all grants" in page and "Rotate secret" in page
    for section in ("Identity", "Redirects", "Tokens &amp; keys", "Logout", "Consent"):
        assert f">{section}<" in page

    rotated = admin_browser.post(f"/admin/oidc/client/{rp.pk}/rotate-secret/", {"overlap_hours": "24"})
    new_secret = re.search(r"<th>client_secret</th><td><code>([^<]+)</code>", rotated.content.decode()).group(
        1
    )
    for value in (secret, new_secret):  # overlap: both work
        cc = Browser().post("/token", {"grant_type": "client_credentials"}, **basic(rp.client_id, value))
        assert cc.status_code == 200

    assert admin_browser.get(f"/admin/oidc/client/{rp.pk}/revoke-all/").status_code == 405
    revoked = admin_browser.post(f"/admin/oidc/client/{rp.pk}/revoke-all/", follow=True)
    assert "Revoked for Shop: 3 access tokens" in revoked.content.decode()
    assert (
        not AccessToken.objects.filter(application=rp).exists()
        and not Consent.objects.filter(client=rp).exists()
    )
    refreshed = Browser().post(
        "/token",
        {"grant_type": "refresh_token", "refresh_token": issued["refresh_token"]},
        **basic(rp.client_id, new_secret),
    )
    assert_oauth_error(refreshed, 400, "invalid_grant")


def test_disable_action_and_list_filters(admin_browser, make_client):
    rp, _ = make_client(name="Legacy")
    response = admin_browser.post(
        "/admin/oidc/client/", {"action": "disable_clients", "_selected_action": [rp.pk]}, follow=True
    )
    assert "Disabled 1 client" in response.content.decode()
    rp.refresh_from_db()
    assert not rp.is_active
    listing = admin_browser.get(
        "/admin/oidc/client/?is_active__exact=0&client_type__exact=confidential&q=Legacy"
    )
    assert listing.status_code == 200 and "Legacy" in listing.content.decode()


def test_initial_access_token_is_shown_once_and_can_be_revoked_rfc7591_3(admin_browser, settings):
    settings.PORTICO_REGISTRATION = "token"
    response = admin_browser.post(
        "/admin/oidc/initialaccesstoken/add/", {"label": "Partner platform", "max_uses": "3", "expires_0": ""}
    )
    assert response.status_code == 200, response.content[:2000]
    page = response.content.decode()
    value = re.search(r"<th>Token</th><td><code>([^<]+)</code>", page).group(1)
    token = InitialAccessToken.objects.get(label="Partner platform")
    assert token.max_uses == 3 and token.token != value and value not in token.token

    assert register_with(value).status_code == 201
    listing = admin_browser.get("/admin/oidc/initialaccesstoken/").content.decode()
    assert "Partner platform" in listing and value not in listing
    admin_browser.post(
        "/admin/oidc/initialaccesstoken/",
        {"action": "revoke_tokens", "_selected_action": [token.pk]},
    )
    assert_oauth_error(register_with(value), 401, "invalid_token")
