"""Django admin: clients are created with a secret shown exactly once; key pages never show private material."""

import re

import pytest
from django.contrib.auth.hashers import check_password

from oidc import keys
from oidc.models import Client, SigningKey

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
