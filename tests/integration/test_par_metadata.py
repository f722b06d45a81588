"""The client metadata of pushed requests and request objects by reference: require_pushed_authorization_requests
(RFC 9126 6) and request_uris (Registration 2), through every way a client is written."""

import json
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client as Browser

from oidc.models import Client
from tests.integration.helpers import basic
from tests.integration.metadata_cases import VALID

pytestmark = pytest.mark.django_db

METADATA = {
    "require_pushed_authorization_requests": True,
    "request_uris": ["https://app.example.org/requests/one.jwt", "https://app.example.org/requests/two.jwt"],
}


def test_registration_stores_and_returns_both_members_rfc9126_6_registration_2(settings):
    settings.PORTICO_REGISTRATION = "open"
    response = Browser().post("/register", json.dumps({**VALID, **METADATA}), content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["require_pushed_authorization_requests"] is True
    assert body["request_uris"] == METADATA["request_uris"]
    row = Client.objects.get(client_id=body["client_id"])
    assert row.require_pushed_authorization_requests is True
    assert row.request_uris.split() == METADATA["request_uris"]


def test_registration_defaults_are_off_and_empty(settings):
    settings.PORTICO_REGISTRATION = "open"
    body = Browser().post("/register", json.dumps(VALID), content_type="application/json").json()
    assert body["require_pushed_authorization_requests"] is False
    assert "request_uris" not in body  # empty members are omitted (RFC 7591 3.2.1)


def test_management_api_sets_and_patches_both_members(make_client):
    manager, secret = make_client(
        name="Platform", redirect_uris=(), grant_types=["client_credentials"], can_manage=True
    )
    grant = {"grant_type": "client_credentials", "scope": "portico:admin"}
    token = Browser().post("/token", grant, **basic(manager.client_id, secret)).json()["access_token"]
    http, auth = Browser(), {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    created = http.post(
        "/api/v1/clients", json.dumps({**VALID, **METADATA}), content_type="application/json", **auth
    )
    assert created.status_code == 201, created.content
    document = created.json()
    assert document["require_pushed_authorization_requests"] is True
    assert document["request_uris"] == METADATA["request_uris"]
    patched = http.patch(
        f"/api/v1/clients/{document['client_id']}",
        json.dumps({"require_pushed_authorization_requests": False, "request_uris": []}),
        content_type="application/json",
        **auth,
    ).json()
    assert patched["require_pushed_authorization_requests"] is False and "request_uris" not in patched
    row = Client.objects.get(client_id=document["client_id"])
    assert row.require_pushed_authorization_requests is False and row.request_uris == ""


def test_cli_create_flags():
    out = StringIO()
    call_command(
        "oidc_client",
        "create",
        "--name",
        "Pushing App",
        "--redirect-uri",
        "https://push.example.org/cb",
        "--require-pushed-authorization-requests",
        "--request-uri",
        "https://push.example.org/r.jwt",
        "--format",
        "json",
        stdout=out,
    )
    client = Client.objects.get(client_id=json.loads(out.getvalue())["client_id"])
    assert client.require_pushed_authorization_requests is True
    assert client.request_uris == "https://push.example.org/r.jwt"


def test_admin_client_page_edits_both_fields(client, django_user_model, make_client):
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "root-pass-123")
    client.force_login(admin)
    rp, _ = make_client()
    page = client.get(f"/admin/oidc/client/{rp.pk}/change/").content.decode()
    assert re.search(r'name="require_pushed_authorization_requests"', page)
    assert re.search(r'name="request_uris"', page)
