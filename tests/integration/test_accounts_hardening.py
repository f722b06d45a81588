"""Abuse cases: what an attacker with a list of names, a password, a stolen session or a mail scanner can
and cannot do."""

import re
from datetime import timedelta
from urllib.parse import urlencode

import pyotp
import pytest
from django.core import mail
from django.test import Client as Browser
from django.utils import timezone

from accounts import mfa
from accounts.models import SignIn
from tests.integration.accounts_helpers import last_link, path_of, run_worker, sign_in
from tests.integration.helpers import authorize_params
from tests.oauth import assert_redirect_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def tight_limits(settings):
    settings.PORTICO_THROTTLE_ACCOUNT = (2, 4)
    settings.PORTICO_THROTTLE_IP = (50, 100)


def _page(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def test_a_slowed_sign_in_never_checks_the_password(make_user, tight_limits):
    user = make_user()
    for _ in range(2):
        sign_in(Browser(), user.username, "bad")
    right = sign_in(Browser(), user.username, user.raw_password)
    wrong = sign_in(Browser(), user.username, "still bad")
    assert right.status_code == wrong.status_code == 429
    assert _page(right) == _page(wrong) and "do not match" not in _page(right)


def test_the_right_password_does_not_reset_the_count_of_bad_codes(make_user, tight_limits):
    user = make_user()
    mfa.enable_totp(user, pyotp.random_base32())
    browser = Browser()
    sign_in(browser, user.username, user.raw_password)
    browser.post("/login/verify", {"code": "000001"})
    browser.post("/login/verify", {"code": "000002"})
    again = sign_in(Browser(), user.username, user.raw_password)
    assert again.status_code == 429  # the account's counter was not cleared by the password


@pytest.mark.parametrize(("typed", "variant"), [("alice", "ＡＬＩＣＥ"), ("alice", "Alice"), ("bob-unknown", "ＢＯＢ-unknown")])
def test_look_alike_spellings_share_one_counter_existing_or_not(make_user, tight_limits, typed, variant):
    """NFKC and case folding: "ＡＬＩＣＥ" signs in as "alice" (Django normalizes usernames), so it must not
    buy fresh attempts; and an unknown name answers exactly like a known one."""
    make_user(username="alice")
    for _ in range(2):
        sign_in(Browser(), typed, "bad")
    assert sign_in(Browser(), variant, "bad").status_code == 429


def test_admin_login_goes_through_the_hosted_sign_in():
    response = Browser().get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"] == "/login?next=/admin/"


def test_a_passkey_cannot_be_its_own_second_factor(make_user):
    user = make_user()
    browser = Browser()
    browser.get("/login")
    session = browser.session
    session[mfa.PENDING_KEY] = {"user": user.pk, "amr": ["hwk"], "remember": False, "next": "", "keys": [],
                                "at": int(timezone.now().timestamp())}
    session.save()
    response = browser.post("/login/passkey", {"credential": {"id": "abc"}, "second_factor": True},
                            content_type="application/json")
    assert response.status_code == 400 and "authenticator app" in response.json()["error"]


def test_ending_a_session_still_works_after_that_browser_changed_the_password(make_user):
    user = make_user()
    laptop, phone = Browser(), Browser()
    sign_in(laptop, user.username, user.raw_password)
    sign_in(phone, user.username, user.raw_password)
    laptop.post("/account/password", {"old_password": user.raw_password,
                                      "new_password1": "another long passphrase",
                                      "new_password2": "another long passphrase"})
    assert laptop.get("/").status_code == 200
    theirs = SignIn.objects.get(user=user, ended_at__isnull=True)
    phone_sign_in = sign_in(phone, user.username, "another long passphrase")
    assert phone_sign_in.status_code == 302
    phone.post("/account/sessions/end", {"sid": theirs.sid})
    assert laptop.get("/").status_code == 302  # the laptop is really signed out


def test_security_changes_need_a_recent_sign_in(make_user):
    user = make_user(email="dana@example.org")
    browser = Browser()
    sign_in(browser, user.username, user.raw_password)
    SignIn.objects.filter(user=user).update(auth_time=timezone.now() - timedelta(hours=1))
    totp = browser.get("/account/security/totp")
    assert totp.status_code == 302 and totp["Location"].startswith("/login?next=%2Faccount%2Fsecurity%2Ftotp")
    email = browser.post("/account/profile", {"first_name": "D", "email": "new@example.org"})
    assert email["Location"].startswith("/login?")
    user.refresh_from_db()
    assert user.pending_email == ""
    options = browser.post("/account/security/passkeys/options")
    assert options.status_code == 403 and options.json()["redirect"].startswith("/login?")


@pytest.mark.django_db(transaction=True)  # the worker runs its own transactions
def test_security_changes_are_notified_by_email(make_user):
    user = make_user(email="dana@example.org")
    browser = Browser()
    sign_in(browser, user.username, user.raw_password)
    changed = browser.post("/account/password", {"old_password": user.raw_password,
                                                 "new_password1": "another long passphrase",
                                                 "new_password2": "another long passphrase"})
    assert changed.status_code == 302 and mail.outbox == []  # the notice is sent by the worker
    run_worker()
    [notice] = mail.outbox
    assert notice.to == ["dana@example.org"] and "Password changed" in notice.subject
    # Its link leads to the reset page, for an owner who did not make the change.
    link = last_link("dana@example.org")
    assert link == "http://127.0.0.1:8000/password/reset"
    assert "Send the link" in Browser().get(path_of(link)).content.decode()


@pytest.mark.django_db(transaction=True)  # the worker runs its own transactions
def test_one_address_gets_at_most_ten_messages_an_hour(make_user, caplog):
    make_user(email="dana@example.org")
    for n in range(12):
        Browser(REMOTE_ADDR=f"198.51.100.{n}").post("/password/reset", {"email": "dana@example.org"})
    run_worker()
    assert len(mail.outbox) == 10
    assert "account mail allowance of an address used up" in caplog.text  # seen by the operator


def test_a_new_phone_number_is_not_verified(make_user):
    user = make_user(email="dana@example.org", phone_number="+33612345678", phone_number_verified=True)
    browser = Browser()
    sign_in(browser, user.username, user.raw_password)
    browser.post("/account/profile", {"first_name": "D", "email": "dana@example.org", "phone_number": "+33699999999"})
    user.refresh_from_db()
    assert user.phone_number == "+33699999999" and not user.phone_number_verified


def test_prompt_create_for_a_signed_in_person_does_not_loop(browser, make_client, settings):
    settings.PORTICO_SIGNUP = "open"
    rp, _ = make_client()
    response = browser.get("/authorize?" + urlencode(authorize_params(rp, prompt="create")))
    assert not response.get("Location", "").startswith("/signup")


def test_prompt_create_while_sign_up_is_closed_is_invalid_request(make_client, settings):
    settings.PORTICO_SIGNUP = "closed"
    rp, _ = make_client()
    response = Browser().get("/authorize?" + urlencode(authorize_params(rp, prompt="create")))
    assert_redirect_error(response["Location"], "invalid_request", state="st-123")


def test_sessions_whose_browser_session_is_gone_are_not_listed(make_user):
    user = make_user()
    here, gone = Browser(), Browser()
    sign_in(here, user.username, user.raw_password)
    sign_in(gone, user.username, user.raw_password)
    gone.session.delete()  # expired or cleared
    page = here.get("/account/sessions").content.decode()
    assert page.count("Sign out this session") == 0
    assert SignIn.objects.filter(user=user, ended_at__isnull=True).count() == 1


def test_odd_next_values_do_not_break_pages():
    assert Browser().get("/login", {"next": "http://["}).status_code == 200


def test_a_throttled_second_step_shows_the_pause_and_a_way_back_to_the_app(make_user, tight_limits):
    user = make_user()
    mfa.enable_totp(user, pyotp.random_base32())
    browser = Browser()
    sign_in(browser, user.username, user.raw_password, next="/authorize?client_id=x")
    browser.post("/login/verify", {"code": "000001"})
    browser.post("/login/verify", {"code": "000002"})
    paused = browser.post("/login/verify", {"code": "000003"})
    page = paused.content.decode()
    assert paused.status_code == 429 and "Too many attempts" in page and 'name="code"' not in page
    assert "/login?next=%2Fauthorize%3Fclient_id%3Dx" in page


def test_turning_the_app_off_keeps_recovery_codes_while_passkeys_remain(make_user):
    from accounts.models import Passkey

    user = make_user()
    mfa.enable_totp(user, pyotp.random_base32())
    mfa.new_recovery_codes(user)
    Passkey.objects.create(user=user, credential_id="abc", public_key=b"k", name="Key")
    mfa.disable_totp(user)
    assert not mfa.has_totp(user) and mfa.recovery_codes_left(user) == 10
