"""Sign-in: throttling without enumeration, Argon2id, session handling, second factors."""

import time

import pyotp
import pytest
from django.test import Client as Browser

from accounts import mfa, throttle
from accounts.models import SecurityEvent, SignIn
from tests.integration.accounts_helpers import sign_in
from tests.integration.helpers import REDIRECT, exchange, get_code
from tests.oauth import assert_oauth_error

pytestmark = pytest.mark.django_db

PRODUCTION_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]


@pytest.fixture
def tight_limits(settings):
    settings.PORTICO_THROTTLE_ACCOUNT = (2, 4)
    settings.PORTICO_THROTTLE_IP = (50, 100)


def _answer(response):
    return response.status_code, response.content.decode().count("do not match"), response.get("Retry-After")


def test_wrong_password_and_unknown_account_get_the_same_answer(make_user):
    user = make_user(email="dana@example.org")
    wrong = sign_in(Browser(), user.username, "not the password")
    unknown = sign_in(Browser(), "nobody-here", "not the password")
    unknown_email = sign_in(Browser(), "nobody@example.org", "not the password")
    assert _answer(wrong) == _answer(unknown) == _answer(unknown_email) == (200, 1, None)


def test_repeated_failures_slow_down_then_lock_known_and_unknown_alike(make_user, tight_limits):
    user = make_user()
    for identifier in (user.username, "ghost-account"):
        browser = Browser()
        assert sign_in(browser, identifier, "bad").status_code == 200
        assert sign_in(browser, identifier, "bad").status_code == 200
        slowed = sign_in(browser, identifier, "bad")  # the 3rd try comes too soon after the 2nd failure
        assert slowed.status_code == 429 and slowed["Retry-After"] == "1"
        assert "Too many attempts" in slowed.content.decode()
    # The right password is refused too while slowed: the password is not even checked.
    assert sign_in(Browser(), user.username, user.raw_password).status_code == 429


def test_lock_after_n_failures_lasts_the_window(make_user, tight_limits):
    user = make_user()
    key = throttle.account_keys(user.username)[0]
    start = time.time()
    for offset in range(4):
        attempt = throttle.reserve([key], now=start + offset * 100)  # spaced beyond the slow-down delays
        assert attempt.allowed and attempt.failed(now=start + offset * 100) == (offset == 3)
    locked = throttle.reserve([key], now=start + 301)
    assert not locked.allowed and 14 * 60 <= locked.retry_after <= 15 * 60
    assert sign_in(Browser(), user.username, user.raw_password).status_code == 429
    assert throttle.reserve([key], now=start + 300 + 15 * 60 + 1).allowed


def test_per_ip_throttle_spans_accounts(make_user, settings):
    settings.PORTICO_THROTTLE_IP = (3, 6)
    browser = Browser()
    for n in range(3):
        assert sign_in(browser, f"someone-{n}", "bad").status_code == 200
    assert sign_in(browser, "someone-else", "bad").status_code == 429


def test_client_ip_header_is_used_only_when_configured(make_user, settings):
    settings.PORTICO_THROTTLE_IP = (2, 6)
    for n in range(2):
        Browser(HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").post("/login", {"username": f"x{n}", "password": "b"})
    # Not configured: the header is ignored, both attempts counted against REMOTE_ADDR.
    assert Browser().post("/login", {"username": "x9", "password": "b"}).status_code == 429
    settings.PORTICO_CLIENT_IP_HEADER = "X-Forwarded-For"
    proxied = Browser(HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7")
    assert proxied.post("/login", {"username": "x10", "password": "b"}).status_code == 200
    user = make_user()
    sign_in(proxied, user.username, user.raw_password)
    assert SignIn.objects.get(user=user).ip_address == "198.51.100.7"  # the hop the proxy appended


def test_failures_are_in_the_owner_security_log_not_for_unknown_names(make_user):
    user = make_user()
    sign_in(Browser(), user.username, "bad")
    assert SecurityEvent.objects.filter(user=user, kind="sign_in_failed").count() == 1


def test_inactive_account_gets_the_same_answer_as_a_wrong_password(make_user):
    user = make_user()
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    assert _answer(sign_in(Browser(), user.username, user.raw_password)) == (200, 1, None)


def test_inactive_user_code_is_refused_at_the_token_endpoint(browser, make_client):
    rp, secret = make_client()
    code, verifier = get_code(browser, rp)
    type(browser.user).objects.filter(pk=browser.user.pk).update(is_active=False)
    refused = exchange(Browser(), code, client=rp, secret=secret, verifier=verifier)
    assert_oauth_error(refused, 400, "invalid_grant")


def test_old_hash_is_upgraded_to_argon2id_at_sign_in(make_user, settings):
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS[::-1]  # PBKDF2 first: the "old" hash
    user = make_user()
    assert user.password.startswith("pbkdf2_sha256$")
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS
    assert sign_in(Browser(), user.username, user.raw_password).status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")


def test_sign_in_gives_a_new_session_id_and_records_the_sign_in(make_user):
    user = make_user()
    browser = Browser()
    browser.get("/login")
    browser.session.save()
    before = browser.cookies["portico_session"].value
    response = sign_in(browser, user.username, user.raw_password)
    assert response.status_code == 302 and response["Location"] == "/"
    assert browser.cookies["portico_session"].value != before
    record = SignIn.objects.get(user=user)
    assert record.amr == ["pwd"] and record.acr == "1"


def test_keep_me_signed_in_makes_a_lasting_cookie(make_user):
    user = make_user()
    plain, remembered = Browser(), Browser()
    sign_in(plain, user.username, user.raw_password)
    sign_in(remembered, user.username, user.raw_password, remember="on")
    assert plain.cookies["portico_session"]["max-age"] == ""  # ends with the browser
    assert int(remembered.cookies["portico_session"]["max-age"]) == 30 * 24 * 3600


def test_open_redirect_through_next_is_refused(make_user):
    user = make_user()
    response = sign_in(Browser(), user.username, user.raw_password, next="https://evil.example/")
    assert response["Location"] == "/"


def _with_totp(user):
    secret = pyotp.random_base32()
    mfa.enable_totp(user, secret)
    return pyotp.TOTP(secret)


def test_totp_second_step_gives_amr_otp_mfa_and_acr_2(make_user, make_client):
    user = make_user()
    totp = _with_totp(user)
    browser = Browser()
    first = sign_in(browser, user.username, user.raw_password)
    assert first.status_code == 302 and first["Location"] == "/login/verify"
    assert browser.get("/").status_code == 302  # not signed in yet
    wrong = browser.post("/login/verify", {"code": "000000" if totp.now() != "000000" else "111111"})
    assert "That code is not right" in wrong.content.decode()
    done = browser.post("/login/verify", {"code": totp.now()})
    assert done.status_code == 302 and done["Location"] == "/"
    record = SignIn.objects.get(user=user)
    assert record.amr == ["pwd", "otp", "mfa"] and record.acr == "2"
    # The same code cannot sign in again (RFC 6238 5.2).
    again = Browser()
    sign_in(again, user.username, user.raw_password)
    assert "That code is not right" in again.post("/login/verify", {"code": totp.now()}).content.decode()


def test_recovery_code_works_once(make_user):
    user = make_user()
    _with_totp(user)
    codes = mfa.new_recovery_codes(user)
    browser = Browser()
    sign_in(browser, user.username, user.raw_password)
    assert browser.post("/login/verify", {"code": codes[0].upper()})["Location"] == "/"
    other = Browser()
    sign_in(other, user.username, user.raw_password)
    assert other.post("/login/verify", {"code": codes[0]}).status_code == 200
    assert mfa.recovery_codes_left(user) == 9


def test_second_step_is_throttled_and_then_starts_over(make_user, tight_limits):
    user = make_user()
    _with_totp(user)
    browser = Browser()
    sign_in(browser, user.username, user.raw_password)
    browser.post("/login/verify", {"code": "123456"})
    browser.post("/login/verify", {"code": "654321"})
    refused = browser.post("/login/verify", {"code": "111111"})
    assert refused.status_code == 429
    assert browser.get("/login/verify")["Location"] == "/login"  # the half sign-in is gone


def test_login_hint_and_asking_app_on_the_login_page(make_client):
    rp, _ = make_client(name="Shiny App")
    next_url = f"/authorize?client_id={rp.client_id}&response_type=code&redirect_uri={REDIRECT}"
    page = Browser().get("/login", {"next": next_url, "login_hint": "dana@example.org"}).content.decode()
    assert "Shiny App" in page and 'value="dana@example.org"' in page


def test_security_headers_on_hosted_pages():
    for path in ("/login", "/signup", "/password/reset"):
        response = Browser().get(path)
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"], path
        assert response["X-Frame-Options"] == "DENY"




def test_page_language_from_ui_locales_outranks_accept_language_core_3_1_2_1():
    french = Browser(HTTP_ACCEPT_LANGUAGE="fr").get("/login")
    assert '<html lang="fr">' in french.content.decode() and "Se connecter" in french.content.decode()
    chosen = Browser(HTTP_ACCEPT_LANGUAGE="fr").get("/login", {"next": "/authorize?ui_locales=en-GB&client_id=x"})
    assert '<html lang="en">' in chosen.content.decode() and chosen["Content-Language"] == "en"
    unknown = Browser().get("/login", {"ui_locales": "de ja"})
    assert '<html lang="en">' in unknown.content.decode()


def test_locking_an_email_does_not_lock_the_username_it_belongs_to(make_user, settings):
    """Were the two one counter, locking an address would tell anyone which username goes with it."""
    settings.PORTICO_THROTTLE_ACCOUNT = (100, 3)
    user = make_user(email="dana@example.org")
    for _ in range(3):
        assert sign_in(Browser(), "Dana@Example.org", "bad").status_code == 200
    assert sign_in(Browser(), "dana@example.org", user.raw_password).status_code == 429  # the address is paused
    assert sign_in(Browser(), user.username, "bad").status_code == 200  # the username answers as before
    assert sign_in(Browser(), user.username, user.raw_password).status_code == 302
