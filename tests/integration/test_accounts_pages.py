"""The account pages: profile validation, connected apps, sessions, authenticator set-up, activity."""

import re

import pyotp
import pytest
from django.core import mail
from django.test import Client as Browser

from accounts import mfa
from accounts.models import SecurityEvent, SignIn
from oidc.models import AccessToken, Consent, RefreshToken
from tests.integration.accounts_helpers import confirm_email, last_link, run_worker, sign_in
from tests.integration.helpers import exchange, get_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(make_user):
    user = make_user(email="dana@example.org", email_verified=True)
    browser = Browser()
    sign_in(browser, user.username, user.raw_password)
    browser.user = user
    return browser


def _profile(**changes):
    base = {"first_name": "Dana", "last_name": "Example", "email": "dana@example.org"}
    return {**base, **changes}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone_number", "0612345678", "Use the international format"),
        ("birthdate", "2999-01-01", "Enter a date between 1900 and today."),
        ("birthdate", "31/31/1990", "Enter a valid date."),
        ("zoneinfo", "Mars/Olympus", "Use a time zone name"),
        ("locale", "not a locale!", "Use a language tag"),
        ("website", "javascript:alert(1)", "Enter a valid URL."),
        ("email", "nope", "Enter a valid email address."),
    ],
)
def test_profile_validation_errors(person, field, value, message):
    response = person.post("/account/profile", _profile(**{field: value}))
    assert response.status_code == 200
    assert message in " ".join(str(e) for e in response.context["form"].errors[field])


def test_profile_saves_standard_claims(person):
    response = person.post(
        "/account/profile",
        _profile(phone_number="+33 6 12 34 56 78", birthdate="1990-02-03", zoneinfo="Europe/Paris", locale="fr-FR"),
    )
    assert response["Location"] == "/account/profile"
    user = person.user
    user.refresh_from_db()
    assert (user.phone_number, str(user.birthdate), user.zoneinfo) == ("+33612345678", "1990-02-03", "Europe/Paris")
    assert SecurityEvent.objects.filter(user=user, kind="profile_updated").exists()


@pytest.mark.django_db(transaction=True)  # the worker runs its own transactions
def test_email_change_takes_effect_once_verified(person):
    person.post("/account/profile", _profile(email="dana.new@example.org"))
    user = person.user
    user.refresh_from_db()
    assert user.email == "dana@example.org" and user.pending_email == "dana.new@example.org"
    assert mail.outbox == []  # both mails are sent by the worker
    run_worker()
    # The new address gets the link; the current one is told a change was asked for.
    assert sorted(m.to[0] for m in mail.outbox) == ["dana.new@example.org", "dana@example.org"]
    assert "dana.new@example.org" in [m for m in mail.outbox if m.to == ["dana@example.org"]][0].body
    assert confirm_email(person, last_link("dana.new@example.org")).status_code == 200
    user.refresh_from_db()
    assert (user.email, user.pending_email, user.email_verified) == ("dana.new@example.org", "", True)


@pytest.mark.django_db(transaction=True)  # the worker runs its own transactions
def test_email_change_to_an_address_in_use_fails_only_at_verification(person, make_user):
    make_user(email="taken@example.org")
    response = person.post("/account/profile", _profile(email="taken@example.org"))
    assert response.status_code == 302  # no hint on the form that the address is in use
    run_worker()
    assert confirm_email(person, last_link("taken@example.org")).status_code == 409
    person.user.refresh_from_db()
    assert person.user.email == "dana@example.org"


def test_remove_access_revokes_consent_and_tokens(person, make_client):
    rp, secret = make_client(name="Photo App")
    code, verifier = get_code(person, rp)
    tokens = exchange(Browser(), code, client=rp, secret=secret, verifier=verifier).json()
    page = person.get("/account/apps").content.decode()
    assert "Photo App" in page and "See your email address" in page
    response = person.post("/account/apps", {"client_id": rp.client_id})
    assert response["Location"] == "/account/apps"
    assert not Consent.objects.filter(user=person.user, client=rp).exists()
    assert not AccessToken.objects.filter(user=person.user).exists()
    assert not RefreshToken.objects.filter(user=person.user, revoked__isnull=True).exists()
    userinfo = Browser().get("/userinfo", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert userinfo.status_code == 401
    assert "No app has access to your account." in person.get("/account/apps").content.decode()
    assert SecurityEvent.objects.filter(user=person.user, kind="consent_revoked").exists()


def test_sessions_page_signs_out_another_device(person):
    other = Browser(HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0")
    sign_in(other, person.user.username, person.user.raw_password)
    page = person.get("/account/sessions").content.decode()
    assert "Firefox on Linux" in page and "this device" in page
    theirs = SignIn.objects.get(user=person.user, user_agent__contains="Firefox")
    assert person.post("/account/sessions/end", {"sid": theirs.sid})["Location"] == "/account/sessions"
    assert other.get("/").status_code == 302
    assert person.get("/").status_code == 200
    assert person.post("/account/sessions/end", {"sid": "unknown"}).status_code == 404


def test_sign_out_every_other_session(person):
    others = [Browser() for _ in range(2)]
    for b in others:
        sign_in(b, person.user.username, person.user.raw_password)
    person.post("/account/sessions/end", {"scope": "others"})
    assert [b.get("/").status_code for b in others] == [302, 302]
    assert SignIn.objects.filter(user=person.user, ended_at__isnull=True).count() == 1


def test_authenticator_set_up_needs_a_working_code_and_shows_recovery_codes(person):
    page = person.get("/account/security/totp").content.decode()
    assert "<svg" in page
    secret = re.search(r"data-totp-secret>([A-Z2-7 ]+)<", page).group(1).replace(" ", "")
    wrong = person.post("/account/security/totp", {"code": "12345"})
    assert "That code is not right" in wrong.content.decode()
    done = person.post("/account/security/totp", {"code": pyotp.TOTP(secret).now()})
    codes = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", done.content.decode())
    assert len(codes) == 10 and mfa.has_totp(person.user)
    assert SecurityEvent.objects.filter(user=person.user, kind="totp_enabled").exists()


def test_turning_the_authenticator_off_needs_the_password(person):
    mfa.enable_totp(person.user, pyotp.random_base32())
    refused = person.post("/account/security/totp/disable", {"password": "wrong"})
    assert refused.context["form"].errors["password"] == ["That password is not right."]
    assert mfa.has_totp(person.user)
    person.post("/account/security/totp/disable", {"password": person.user.raw_password})
    assert not mfa.has_totp(person.user)


def test_passkey_endpoints_answer_bad_input_with_json_errors(person):
    no_challenge = person.post("/account/security/passkeys/add", "not json", content_type="application/json")
    assert no_challenge.status_code == 400 and "error" in no_challenge.json()
    options = person.post("/account/security/passkeys/options").json()
    assert options["rp"]["id"] == "127.0.0.1"  # the issuer's host unless PORTICO_WEBAUTHN_RP_ID says otherwise
    assert options["user"]["name"] == "dana@example.org" and options["challenge"]
    forged = person.post("/account/security/passkeys/add", {"credential": {"id": "x"}}, content_type="application/json")
    assert forged.status_code == 400 and forged.json()["error"] == "This passkey could not be verified."
    anonymous = Browser().post("/login/passkey", {"credential": {"id": "x"}}, content_type="application/json")
    assert anonymous.status_code == 400
    assert person.post("/account/security/passkeys/remove", {"passkey": "abc"}).status_code == 404


def test_activity_page_lists_the_security_log(person):
    sign_in(Browser(), person.user.username, "wrong")
    page = person.get("/account/log").content.decode()
    assert "Signed in" in page and "Failed sign-in attempt" in page


def test_account_pages_need_a_sign_in():
    for path in ("/", "/account/profile", "/account/apps", "/account/sessions", "/account/security", "/account/log"):
        response = Browser().get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login?next="), path


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/login", {"username": "dana\x00", "password": "x"}),
        ("/signup", {"email": "a\x00@example.org", "password1": "x", "password2": "x"}),
        ("/password/reset", {"email": "a\x00@example.org"}),
        ("/login/verify", {"code": "12\x0034"}),
        ("/verify-email?token=%00", {}),
    ],
)
def test_nul_bytes_in_hosted_forms_are_form_errors_not_500(path, data, settings):
    settings.PORTICO_SIGNUP = "open"
    response = Browser().post(path, data)
    assert response.status_code in (200, 302, 400), response.status_code


def test_passkey_sign_in_with_garbage_credentials_is_a_json_error():
    browser = Browser()
    browser.post("/login/passkey/options", {}, content_type="application/json")
    for credential in ({"id": "a\x00b"}, {"id": 5}, ["x"], "text"):
        response = browser.post("/login/passkey", {"credential": credential}, content_type="application/json")
        assert response.status_code == 400 and response.json()["error"]
