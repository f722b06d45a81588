"""Authorization endpoint behaviour (RFC 6749 4.1, Core 3.1.2) through Django's test client."""

import base64
import json
from urllib.parse import urlencode

import pytest

from oidc.models import Consent, Grant
from tests.conftest import query_of
from tests.integration.helpers import REDIRECT, authorize_params, get_code
from tests.oauth import assert_error_page, assert_redirect_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, make_user):
    user = make_user()
    client.force_login(user)
    client.user = user
    return client


def test_unknown_client_id_shows_error_page_and_never_redirects(signed_in):
    response = signed_in.get(
        "/authorize?"
        + urlencode(
            {"client_id": "nope", "redirect_uri": REDIRECT, "response_type": "code", "scope": "openid"}
        )
    )
    assert_error_page(response, 400, "invalid_request")
    assert response.context["description"] == "Invalid client_id parameter value."
    assert b"cannot be completed" in response.content


def test_unregistered_redirect_uri_shows_error_page_rfc6749_4_1_2_1(signed_in, make_client):
    rp, _ = make_client()
    response = signed_in.get(
        "/authorize?" + urlencode(authorize_params(rp, redirect_uri="https://evil.example/cb"))
    )
    assert_error_page(response, 400, "invalid_request", "redirect")


def test_redirect_uri_matching_is_exact_rfc9700_4_1_3(signed_in, make_client):
    rp, _ = make_client()
    for near_miss in (REDIRECT + "/", REDIRECT + "?x=1", REDIRECT.upper(), "https://rp.example.org/cb/../cb"):
        response = signed_in.get("/authorize?" + urlencode(authorize_params(rp, redirect_uri=near_miss)))
        assert_error_page(response, 400, "invalid_request", "redirect")


def test_missing_response_type_redirects_invalid_request_with_state_and_iss(signed_in, make_client, settings):
    rp, _ = make_client()
    response = signed_in.get("/authorize?" + urlencode(authorize_params(rp, response_type=None)))
    assert response.status_code == 302
    assert response["Location"].startswith(REDIRECT + "?")
    query = assert_redirect_error(response["Location"], "invalid_request", state="st-123")
    assert query["error_description"] == "Missing response_type parameter."
    assert query["iss"] == settings.PORTICO_ISSUER


def test_unsupported_response_type_redirects_with_error(signed_in, make_client):
    rp, _ = make_client()
    response = signed_in.get("/authorize?" + urlencode(authorize_params(rp, response_type="banana")))
    assert response.status_code == 302
    assert_redirect_error(response["Location"], "unsupported_response_type", state="st-123")


def test_public_client_without_pkce_is_refused_rfc9700_2_1_1(signed_in, make_client):
    rp, _ = make_client(confidential=False)
    response = signed_in.get("/authorize?" + urlencode(authorize_params(rp)))
    assert response.status_code == 302
    query = assert_redirect_error(response["Location"], "invalid_request", state="st-123")
    assert query["error_description"] == "Code challenge required."
    assert not Grant.objects.exists()


def test_plain_pkce_is_refused_rfc9700_2_1_1(signed_in, make_client):
    rp, _ = make_client(confidential=False)
    response = signed_in.get(
        "/authorize?"
        + urlencode(authorize_params(rp, code_challenge="a" * 43, code_challenge_method="plain"))
    )
    query = assert_redirect_error(response["Location"], "invalid_request")
    assert query["error_description"] == "Transform algorithm not supported."


def test_confidential_client_may_skip_pkce_but_must_send_it_when_registered(signed_in, make_client):
    rp, _ = make_client()
    code, _ = get_code(signed_in, rp, pkce=False)
    assert code
    strict, _ = make_client(require_pkce=True)
    response = signed_in.get("/authorize?" + urlencode(authorize_params(strict)))
    assert_redirect_error(response["Location"], "invalid_request", state="st-123")


def test_anonymous_user_is_sent_to_login_with_the_request_preserved(client, make_client):
    rp, _ = make_client()
    response = client.get("/authorize?" + urlencode(authorize_params(rp)))
    assert response.status_code == 302
    assert response["Location"].startswith("/login?next=")
    assert "client_id%3D" + rp.client_id in response["Location"]


def test_login_page_names_the_app_asking(client, make_client):
    rp, _ = make_client(name="Acme Notes")
    response = client.get("/authorize?" + urlencode(authorize_params(rp)), follow=True)
    assert b"Acme Notes" in response.content
    assert response.context["asking_client"]["name"] == "Acme Notes"


def test_prompt_none_without_session_is_login_required_core_3_1_2_6(client, make_client):
    rp, _ = make_client()
    response = client.get("/authorize?" + urlencode(authorize_params(rp, prompt="none")))
    assert response["Location"].startswith(REDIRECT)
    assert_redirect_error(response["Location"], "login_required", state="st-123")


def test_prompt_none_without_consent_is_consent_required(signed_in, make_client):
    rp, _ = make_client()
    response = signed_in.get("/authorize?" + urlencode(authorize_params(rp, prompt="none")))
    assert_redirect_error(response["Location"], "consent_required", state="st-123")


def test_consent_page_then_code_with_state_and_iss_rfc9207(signed_in, make_client, settings):
    rp, _ = make_client(name="Acme Notes", policy_uri="https://rp.example.org/privacy")
    response = signed_in.get("/authorize?" + urlencode(authorize_params(rp)))
    assert response.status_code == 200
    assert b"Acme Notes" in response.content and b"https://rp.example.org/privacy" in response.content
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    response = signed_in.post(
        "/authorize/consent", {"request_id": response.context["request_id"], "decision": "allow"}
    )
    query = query_of(response["Location"])
    assert set(query) == {"code", "state", "iss"}
    assert query["state"] == "st-123" and query["iss"] == settings.PORTICO_ISSUER
    assert Consent.objects.get(user=signed_in.user, client=rp).scopes == [
        "email",
        "offline_access",
        "openid",
        "profile",
    ]


def test_consent_is_remembered_and_asked_again_for_new_scopes(signed_in, make_client):
    rp, _ = make_client()
    get_code(signed_in, rp)
    again = signed_in.get("/authorize?" + urlencode(authorize_params(rp, prompt=None)))
    assert again.status_code == 302 and "code=" in again["Location"]
    wider = signed_in.get(
        "/authorize?" + urlencode(authorize_params(rp, prompt=None, scope="openid profile email phone"))
    )
    assert wider.status_code == 200 and "request_id" in wider.context
    forced = signed_in.get("/authorize?" + urlencode(authorize_params(rp, prompt="consent")))
    assert forced.status_code == 200


def test_first_party_client_skips_consent(signed_in, make_client):
    rp, _ = make_client(skip_consent=True)
    response = signed_in.get("/authorize?" + urlencode(authorize_params(rp, prompt=None)))
    assert response.status_code == 302 and "code=" in response["Location"]
    assert not Consent.objects.exists()


def test_deny_returns_access_denied_to_the_client(signed_in, make_client):
    rp, _ = make_client()
    page = signed_in.get("/authorize?" + urlencode(authorize_params(rp)))
    response = signed_in.post(
        "/authorize/consent", {"request_id": page.context["request_id"], "decision": "deny"}
    )
    assert response["Location"].startswith(REDIRECT)
    assert_redirect_error(response["Location"], "access_denied", state="st-123")
    assert not Grant.objects.exists() and not Consent.objects.exists()


def test_consent_decision_cannot_be_replayed(signed_in, make_client):
    rp, _ = make_client()
    page = signed_in.get("/authorize?" + urlencode(authorize_params(rp)))
    signed_in.post("/authorize/consent", {"request_id": page.context["request_id"], "decision": "allow"})
    replay = signed_in.post(
        "/authorize/consent", {"request_id": page.context["request_id"], "decision": "allow"}
    )
    assert_error_page(replay, 400, "invalid_request")


def test_consent_post_requires_csrf(make_user, make_client):
    from django.test import Client as Browser

    browser = Browser(enforce_csrf_checks=True)
    browser.force_login(make_user())
    rp, _ = make_client()
    page = browser.get("/authorize?" + urlencode(authorize_params(rp)))
    response = browser.post(
        "/authorize/consent", {"request_id": page.context["request_id"], "decision": "allow"}
    )
    assert response.status_code == 403


def test_authorize_accepts_post_core_3_1_2_1(make_user, make_client):
    from django.test import Client as Browser

    browser = Browser(enforce_csrf_checks=True)
    browser.force_login(make_user())
    rp, _ = make_client(skip_consent=True)
    response = browser.post("/authorize", authorize_params(rp, prompt=None))
    assert response.status_code == 302 and "code=" in response["Location"]


def test_disabled_client_is_refused(signed_in, make_client):
    rp, _ = make_client()
    rp.is_active = False
    rp.save()
    response = signed_in.get("/authorize?" + urlencode(authorize_params(rp)))
    assert_error_page(response, 400, "invalid_request")


def test_garbage_parameters_never_500(signed_in, make_client):
    rp, _ = make_client()
    for params in (
        {},
        {"client_id": "\x00"},
        {"client_id": rp.client_id},
        {"scope": "x" * 5000},
        authorize_params(rp, scope="openid unknown-scope"),
        authorize_params(rp, claims="{not json"),
    ):
        response = signed_in.get("/authorize?" + urlencode(params))
        assert response.status_code in (200, 302, 400), params


def test_client_name_and_logo_are_escaped_on_login_and_consent_pages(client, make_user, make_client):
    """A hostile registration (or a row written around validation) shows as text, never as markup."""
    from oidc.models import Client

    rp, _ = make_client(name='<script>alert("name")</script>')
    Client.objects.filter(pk=rp.pk).update(
        logo_uri='https://x.example.org/l.png"><script>alert("logo")</script>',
        policy_uri="javascript:alert(1)",
    )
    login = client.get("/authorize?" + urlencode(authorize_params(rp)), follow=True).content.decode()
    user = make_user()
    client.force_login(user)
    consent = client.get("/authorize?" + urlencode(authorize_params(rp))).content.decode()
    assert "wants to use your Portico account" in consent
    for page in (login, consent):
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;" in page
        assert 'href="javascript:' not in page


def _unsigned(claims: dict) -> str:
    """Core 6.1 / RFC 7515 A.5: an unsigned request object (empty signature)."""
    parts = [
        base64.urlsafe_b64encode(json.dumps(p).encode()).rstrip(b"=").decode()
        for p in ({"alg": "none"}, claims)
    ]
    return ".".join(parts) + "."


def test_nul_inside_a_request_object_shows_error_page(signed_in, make_client):
    rp, _ = make_client(request_object_signing_alg="none")
    token = _unsigned({"client_id": rp.client_id, "redirect_uri": REDIRECT, "state": "a\x00b"})
    response = signed_in.get("/authorize?" + urlencode(authorize_params(rp, request=token)))
    assert_error_page(response, 400, "invalid_request")
    assert response.context["description"] == "Malformed request."


def test_request_object_parameters_reach_the_consent_step_core_6_3_3(signed_in, make_client):
    rp, _ = make_client(request_object_signing_alg="none")
    token = _unsigned(
        {"client_id": rp.client_id, "redirect_uri": REDIRECT, "state": "inner", "nonce": "n-in"}
    )
    response = signed_in.get("/authorize?" + urlencode(authorize_params(rp, request=token)))
    assert response.status_code == 200  # consent page (prompt=consent outside)
    response = signed_in.post(
        "/authorize/consent", {"request_id": response.context["request_id"], "decision": "allow"}
    )
    query = query_of(response["Location"])
    assert query["state"] == "inner" and "code" in query
    assert Grant.objects.get().nonce == "n-in"
