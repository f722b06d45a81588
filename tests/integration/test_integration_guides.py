"""The integration guides that need no browser (docs/integrations/): their registration commands run as
written and the configuration they describe works against Portico."""

import pytest
from django.test import Client as Browser

from oidc.models import Client
from tests.guides import GUIDES, register
from tests.integration.helpers import basic

pytestmark = pytest.mark.django_db


def _client_credentials_token(make_client) -> tuple[Client, str]:
    other, secret = make_client(redirect_uris=(), grant_types=["client_credentials"])
    response = Browser().post(
        "/token", {"grant_type": "client_credentials"}, **basic(other.client_id, secret)
    )
    return other, response.json()["access_token"]


def test_api_introspection_guide_introspects_another_clients_token_rfc7662(make_client):
    api = register(GUIDES / "api-introspection.md")
    other, token = _client_credentials_token(make_client)
    data = {"token": token, "token_type_hint": "access_token"}
    answer = Browser().post("/introspect", data, **basic(api["client_id"], api["client_secret"])).json()
    assert answer["active"] is True and answer["client_id"] == other.client_id
    Browser().post("/revoke", {"token": token}, **basic(api["client_id"], api["client_secret"]))
    revoked = Browser().post("/introspect", data, **basic(api["client_id"], api["client_secret"])).json()
    assert revoked["active"] is True  # RFC 7009 2.1: a client revokes only its own tokens


def test_apache_guide_registration_and_what_its_configuration_uses():
    site = register(GUIDES / "apache-mod-auth-openidc.md")
    client = Client.objects.get(client_id=site["client_id"])
    assert client.id_token_claims and client.token_endpoint_auth_method == "client_secret_basic"
    assert client.redirect_uris == "https://app.example.com/protected/redirect_uri"
    discovery = Browser().get("/.well-known/openid-configuration").json()
    assert "client_secret_basic" in discovery["token_endpoint_auth_methods_supported"]
    assert "S256" in discovery["code_challenge_methods_supported"]
    assert {"openid", "email", "profile"} <= set(discovery["scopes_supported"])
    assert discovery["end_session_endpoint"]


def test_node_guide_registration_is_a_secret_based_code_client():
    app = register(GUIDES / "node.md")
    client = Client.objects.get(client_id=app["client_id"])
    assert app["client_secret"] and client.grant_types == ["authorization_code", "refresh_token"]
    assert client.redirect_uris == "https://app.example.com/callback"
