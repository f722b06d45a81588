"""The audit log (audit/): who did what to which client, key or consent, and when; append-only, read-only in
the admin, exported as JSON lines for a time range, purged past its retention."""

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client as Browser
from django.utils import timezone

from audit.models import AppendOnlyError, AuditEvent
from oidc import clients, rotation
from oidc.models import SigningKey
from tests.integration.helpers import basic, get_code

pytestmark = pytest.mark.django_db


def events(action=None, target_id=None) -> list[AuditEvent]:
    found = AuditEvent.objects.order_by("at", "id")
    if action:
        found = found.filter(action=action)
    if target_id:
        found = found.filter(target_id=target_id)
    return list(found)


@pytest.fixture
def staff(django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.org", "root-pass-123")
    return user


@pytest.fixture
def admin_browser(staff):
    http = Browser()
    assert http.post("/login", {"username": "root", "password": "root-pass-123"}).status_code == 302
    return http


def test_client_lifecycle_outside_a_request_is_recorded_as_system(make_client):
    rp, _ = make_client(name="Shop")
    clients.rotate_secret(rp)
    rp.refresh_from_db()
    rp.name = "Shop 2"
    rp.is_active = False
    rp.save()
    rp_id = rp.client_id
    rp.delete()
    actions = [(e.action, e.actor) for e in events(target_id=rp_id)]
    assert actions == [
        ("client_created", "system"),
        ("client_secret_rotated", "system"),
        ("client_disabled", "system"),
        ("client_changed", "system"),
        ("client_deleted", "system"),
    ]
    changed = events("client_changed", rp_id)[0]
    assert changed.detail == {"fields": ["name"]}  # names of fields, never values


def test_admin_sign_in_and_admin_changes_name_the_staff_member(admin_browser, make_client):
    [sign_in] = events("admin_sign_in")
    assert sign_in.actor == "user:root" and sign_in.ip_address == "127.0.0.1"
    rp, _ = make_client(name="Legacy")
    response = admin_browser.post(
        "/admin/oidc/client/", {"action": "disable_clients", "_selected_action": [rp.pk]}, follow=True
    )
    assert "Disabled 1 client" in response.content.decode()
    [disabled] = events("client_disabled", rp.client_id)
    assert disabled.actor == "user:root"


def test_admin_bulk_deletion_records_every_object(admin_browser, make_user):
    """Django saves a bulk deletion's history with bulk_create (no post_save): one event per object anyway."""
    victims = [make_user(username=f"leaver{n}") for n in range(3)]
    response = admin_browser.post(
        "/admin/accounts/user/",
        {"action": "delete_selected", "post": "yes", "_selected_action": [v.pk for v in victims[:2]]},
    )
    assert response.status_code == 302
    deleted = [e for e in events("admin_action") if e.detail.get("change") == "deleted"]
    assert sorted(e.target_id for e in deleted) == sorted(str(v.pk) for v in victims[:2])
    assert {e.actor for e in deleted} == {"user:root"} and {e.target_type for e in deleted} == {"user"}


def test_revoking_everything_a_client_holds_is_recorded(admin_browser, browser, make_client):
    rp, _ = make_client(name="Shop")
    get_code(browser, rp)
    response = admin_browser.post(f"/admin/oidc/client/{rp.pk}/revoke-all/", follow=True)
    assert response.status_code == 200
    [revoked] = events("tokens_revoked", rp.client_id)
    assert revoked.actor == "user:root"
    assert revoked.detail == {
        "user": None,
        "access_tokens": 0,
        "refresh_tokens": 0,
        "codes": 1,
        "consents": 1,
    }


def test_consent_given_and_removed_by_the_person(browser, make_client):
    rp, _ = make_client(name="Shop")
    get_code(browser, rp)
    removed = browser.post("/account/apps", {"client_id": rp.client_id})
    assert removed.status_code == 302
    given, gone = events("consent_given")[0], events("consent_removed")[0]
    username = browser.user.get_username()
    assert given.actor == gone.actor == f"user:{username}"
    assert given.detail["app"] == "Shop" and "openid" in given.detail["scopes"]
    assert gone.detail["app"] == "Shop"


def test_key_rotation_is_recorded():
    old = SigningKey.objects.create(
        kid="old", alg="ES256", state="active", public_jwk={}, private_key_encrypted=""
    )
    SigningKey.objects.create(
        kid="next",
        alg="ES256",
        state="next",
        public_jwk={},
        private_key_encrypted="",
        created=timezone.now() - timedelta(days=1),
    )
    outcome = rotation.rotate("ES256")
    assert outcome.action == "rotated", outcome
    [rotated] = events("key_rotated")
    assert rotated.target_id == "ES256" and rotated.actor == "system"
    assert rotated.detail == {"retired": [old.kid], "activated": "next"}


def test_management_api_calls_name_the_management_client(make_client):
    manager, secret = make_client(
        name="Platform", redirect_uris=(), grant_types=["client_credentials"], can_manage=True
    )
    token = (
        Browser()
        .post(
            "/token",
            {"grant_type": "client_credentials", "scope": "portico:admin"},
            **basic(manager.client_id, secret),
        )
        .json()["access_token"]
    )
    body = json.dumps({"redirect_uris": ["https://app.example.org/cb"], "client_name": "Made by API"})
    created = Browser().post(
        "/api/v1/clients", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert created.status_code == 201
    client_id = created.json()["client_id"]
    [made] = events("client_created", client_id)
    assert made.actor == f"client:{manager.client_id}"
    [call] = events("api_call")
    assert call.actor == f"client:{manager.client_id}" and call.target_id == "api:clients"
    assert call.detail == {"method": "POST", "status": 201}
    assert Browser().get("/api/v1/clients", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    assert len(events("api_call")) == 1  # reads are not recorded


def test_management_api_calls_without_valid_credentials_are_not_recorded(make_client):
    """RFC 6750 3.1: a 401 is an answer to nobody; recording it would let anyone fill the log."""
    anonymous = Browser(REMOTE_ADDR="203.0.113.50")
    assert anonymous.post("/api/v1/clients", "{}", content_type="application/json").status_code == 401
    assert anonymous.delete(f"/api/v1/clients/{'x' * 5000}").status_code == 401
    forged = {"HTTP_AUTHORIZATION": "Bearer not-a-token"}
    assert anonymous.delete("/api/v1/clients/abc", **forged).status_code == 401
    assert events("api_call") == []


def test_management_api_call_records_url_parts_truncated(make_client):
    manager, secret = make_client(
        name="Platform", redirect_uris=(), grant_types=["client_credentials"], can_manage=True
    )
    token = (
        Browser()
        .post(
            "/token",
            {"grant_type": "client_credentials", "scope": "portico:admin"},
            **basic(manager.client_id, secret),
        )
        .json()["access_token"]
    )
    answer = Browser().delete(f"/api/v1/clients/{'x' * 5000}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert answer.status_code == 404
    [call] = events("api_call")
    assert call.detail["client_id"] == "x" * 200 and call.detail["status"] == 404


def test_events_are_append_only(make_client):
    make_client()
    event = events("client_created")[0]
    event.actor = "someone else"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).actor == "system"
    rows = AuditEvent.objects.filter(pk=event.pk)
    with pytest.raises(AppendOnlyError):
        rows.update(actor="someone else")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_update([event], ["actor"])
    with pytest.raises(AppendOnlyError):
        rows.delete()
    assert AuditEvent.objects.get(pk=event.pk).actor == "system"


def test_admin_shows_events_read_only(admin_browser, make_client):
    rp, _ = make_client(name="Visible")
    event = events("client_created", rp.client_id)[0]
    listing = admin_browser.get("/admin/audit/auditevent/")
    assert listing.status_code == 200 and rp.client_id in listing.content.decode()
    assert admin_browser.get("/admin/audit/auditevent/add/").status_code == 403
    assert admin_browser.get(f"/admin/audit/auditevent/{event.pk}/delete/").status_code == 403
    page = admin_browser.get(f"/admin/audit/auditevent/{event.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()


def test_export_writes_json_lines_for_the_time_range():
    now = timezone.now().replace(microsecond=0)
    for days, target in ((10, "old"), (5, "inside"), (0, "new")):
        AuditEvent.objects.create(
            at=now - timedelta(days=days),
            action="client_changed",
            actor="system",
            target_type="client",
            target_id=target,
        )
    out = io.StringIO()
    since = (now - timedelta(days=6)).isoformat()
    call_command(
        "audit_export", "--since", since, "--until", (now - timedelta(days=1)).date().isoformat(), stdout=out
    )
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["target_id"] for line in lines] == ["inside"]
    assert set(lines[0]) == {"at", "action", "actor", "ip_address", "target_type", "target_id", "detail"}


def test_purge_keeps_the_retention_period_and_runs_with_purge_tokens(settings):
    settings.PORTICO_AUDIT_RETENTION_DAYS = 30
    now = timezone.now()
    for days, target in ((31, "expired"), (29, "kept")):
        AuditEvent.objects.create(
            at=now - timedelta(days=days), action="client_changed", actor="system", target_id=target
        )
    out = io.StringIO()
    call_command("purge_tokens", stdout=out)
    assert "deleted: 1 audit events older than 30 days" in out.getvalue()
    assert [e.target_id for e in events("client_changed")] == ["kept"]
    settings.PORTICO_AUDIT_RETENTION_DAYS = 0
    AuditEvent.objects.create(at=now - timedelta(days=3000), action="client_changed", actor="system")
    call_command("audit_purge", stdout=io.StringIO())
    assert len(events("client_changed")) == 2
