"""Re-confirming the password (password change, turning the authenticator off, new recovery codes) goes
through the sign-in throttle, and a paused account's session is ended: a stolen session cannot guess the
password at full speed."""

import time

import pyotp
import pytest
from django.test import Client as Browser

from accounts import mfa, throttle
from accounts.models import SecurityEvent, SignIn, ThrottleCounter
from tests.integration.accounts_helpers import sign_in

pytestmark = pytest.mark.django_db

WRONG = "not the password"


@pytest.fixture
def lock_after_three(settings):
    settings.PORTICO_THROTTLE_ACCOUNT = (100, 3)  # no slow-down: the third failure locks
    settings.PORTICO_THROTTLE_IP = (1000, 1000)


@pytest.fixture
def person(make_user):
    user = make_user(email="dana@example.org", email_verified=True)
    browser = Browser()
    sign_in(browser, user.username, user.raw_password)
    browser.user = user
    mfa.enable_totp(user, pyotp.random_base32())
    return browser


def _change(password):
    return {
        "old_password": password,
        "new_password1": "a new long passphrase 7",
        "new_password2": "a new long passphrase 7",
    }


CONFIRMATIONS = [
    ("/account/password", _change),
    ("/account/security/totp/disable", lambda password: {"password": password}),
    ("/account/security/recovery-codes", lambda password: {"password": password}),
]


def _assert_signed_out(browser, user, response):
    assert response.status_code == 429
    assert "You are signed out" in response.content.decode()
    assert "Too many wrong passwords" in response.content.decode()
    assert browser.get("/account/security").status_code == 302  # the session is gone
    assert not SignIn.objects.filter(user=user, ended_at__isnull=True).exists()  # ended through sign-out


@pytest.mark.parametrize(("path", "body"), CONFIRMATIONS)
def test_wrong_passwords_at_a_re_confirmation_lock_the_account_and_end_the_session(
    person, lock_after_three, path, body
):
    for _ in range(2):
        assert person.post(path, body(WRONG)).status_code == 200
    _assert_signed_out(person, person.user, person.post(path, body(WRONG)))
    assert mfa.has_totp(person.user)
    assert person.user.check_password(person.user.raw_password)  # nothing changed
    # The account is paused for sign-in too, right password or not.
    assert sign_in(Browser(), person.user.username, person.user.raw_password).status_code == 429
    failures = SecurityEvent.objects.filter(user=person.user, kind=SecurityEvent.Kind.SIGN_IN_FAILED).count()
    assert failures == 3


def test_re_confirmation_shares_the_counter_with_sign_in(person, lock_after_three):
    for _ in range(2):
        assert sign_in(Browser(), person.user.username, WRONG).status_code == 200
    _assert_signed_out(
        person, person.user, person.post("/account/security/totp/disable", {"password": WRONG})
    )


def test_a_paused_account_ends_a_session_that_asks_even_with_the_right_password(person, lock_after_three):
    for _ in range(3):
        sign_in(Browser(), person.user.username, WRONG)
    response = person.post("/account/password", _change(person.user.raw_password))
    _assert_signed_out(person, person.user, response)
    assert person.user.check_password(person.user.raw_password)


@pytest.mark.parametrize(("path", "body"), CONFIRMATIONS)
def test_re_confirmation_is_slowed_down_like_sign_in(person, settings, path, body):
    settings.PORTICO_THROTTLE_ACCOUNT = (2, 10)
    for _ in range(2):
        assert person.post(path, body(WRONG)).status_code == 200
    slowed = person.post(path, body(person.user.raw_password))
    assert slowed.status_code == 429 and "Wait a moment" in slowed.content.decode()
    assert mfa.has_totp(person.user) and person.user.check_password(person.user.raw_password)
    assert person.get("/account/security").status_code == 200  # still signed in


def test_the_right_password_still_confirms_and_clears_the_count(person, lock_after_three):
    person.post("/account/security/totp/disable", {"password": WRONG})
    person.post("/account/security/totp/disable", {"password": WRONG})
    done = person.post("/account/security/recovery-codes", {"password": person.user.raw_password})
    assert done.status_code == 200 and mfa.recovery_codes_left(person.user) == 10
    changed = person.post("/account/password", _change(WRONG))
    assert changed.status_code == 200 and "old_password" in changed.context["form"].errors
    assert person.get("/account/security").status_code == 200


def test_the_admin_password_change_is_the_throttled_page(make_user):
    admin = make_user(is_staff=True, is_superuser=True)
    browser = Browser()
    sign_in(browser, admin.username, admin.raw_password)
    response = browser.post("/admin/password_change/", _change(WRONG))
    assert response.status_code == 302 and response["Location"] == "/account/password"


@pytest.mark.parametrize(("path", "body"), CONFIRMATIONS)
def test_a_network_paused_by_others_refuses_the_attempt_but_keeps_the_session(person, settings, path, body):
    """Others behind the same address (NAT) failing sign-ins pause the network, not this account: the attempt
    is refused like a slow-down, the password is not checked and the session stays."""
    settings.PORTICO_THROTTLE_IP = (20, 100)
    now = time.time()
    ThrottleCounter.objects.update_or_create(
        key=throttle.ip_key("127.0.0.1"),
        defaults={"attempts": 100, "first": now, "last": now, "expires": now + 900},
    )
    response = person.post(path, body(person.user.raw_password))
    assert response.status_code == 429 and "Wait a moment" in response.content.decode()
    assert person.get("/account/security").status_code == 200  # still signed in
    assert SignIn.objects.filter(user=person.user, ended_at__isnull=True).exists()
    person.user.refresh_from_db()
    assert person.user.check_password(person.user.raw_password) and mfa.has_totp(person.user)  # nothing done
    assert not SecurityEvent.objects.filter(user=person.user, kind=SecurityEvent.Kind.SIGN_OUT).exists()


def test_a_wrong_password_that_pauses_only_the_network_keeps_the_session(person, settings):
    settings.PORTICO_THROTTLE_ACCOUNT = (1000, 1000)
    settings.PORTICO_THROTTLE_IP = (1000, 2)
    assert person.post("/account/security/recovery-codes", {"password": WRONG}).status_code == 200
    assert person.post("/account/security/recovery-codes", {"password": WRONG}).status_code == 200
    assert person.get("/account/security").status_code == 200
    assert not SecurityEvent.objects.filter(user=person.user, kind=SecurityEvent.Kind.SIGN_IN_LOCKED).exists()
