"""A person's own journeys through the hosted pages, in Debian's chromium (screenshots in artifacts/)."""

import re
import time

import pyotp
import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command

from accounts.models import SignIn
from tests.integration.accounts_helpers import run_worker

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a long and unusual passphrase"


@pytest.fixture
def site(live_server, issuer_at, settings):
    settings.PORTICO_SIGNUP = "open"
    issuer = issuer_at(live_server.url)
    call_command("seed_demo", "--password", "browser-pass-123", stdout=open("/dev/null", "w"))
    return issuer


def _mail_link(to: str) -> str:
    message = [m for m in mail.outbox if to in m.to][-1]
    return re.findall(r"https?://\S+", message.body)[0]


def _sign_in(page, identifier, password):
    page.get_by_label("Username or email").fill(identifier)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def test_register_verify_sign_in_enrol_totp_then_sign_in_with_totp_consent_and_back(site, page, shot):
    page.goto(site + "/playground/start")
    page.wait_for_url("**/login?**")
    page.get_by_role("link", name="Create an account").click()
    assert "Portico Playground" in page.inner_text("main")  # the app that started it is named
    page.get_by_label("Email").fill("new.person@example.org")
    page.get_by_label("First name").fill("Nova")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Repeat the password").fill("short")
    page.get_by_role("button", name="Create account").click()
    assert "This password is too short" in page.inner_text("main")
    shot("1-signup-error")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    assert "Check your email" in page.inner_text("h1")
    shot("2-check-email")
    assert not [m for m in mail.outbox if "new.person@example.org" in m.to]  # nothing sent by the page
    run_worker()  # the link is mailed by the background worker

    page.goto(_mail_link("new.person@example.org"))
    page.get_by_role("button", name="Confirm my address").click()
    assert "Email confirmed" in page.inner_text("h1")
    shot("3-verified")
    page.get_by_role("link", name="Continue").click()
    page.get_by_label("Password", exact=True).fill(PASSWORD)  # the address is pre-filled
    page.get_by_role("button", name="Sign in", exact=True).click()
    # Signed in, the original request continues: the consent page for the playground.
    page.wait_for_url("**/authorize?**")
    assert "Portico Playground" in page.inner_text("main")

    page.goto(site + "/account/security")
    page.get_by_role("link", name="Set up an authenticator app").click()
    assert page.locator(".qr svg").is_visible()
    shot("4-totp-setup")
    totp = pyotp.TOTP(page.inner_text("[data-totp-secret]").replace(" ", ""))
    page.get_by_label("Code from the app").fill(totp.now())
    page.get_by_role("button", name="Turn on").click()
    assert page.locator("[data-recovery-codes] li").count() == 10
    shot("5-recovery-codes")
    page.get_by_role("link", name="I have saved them").click()
    page.get_by_role("button", name="Sign out").click()

    page.goto(site + "/playground/start")
    _sign_in(page, "new.person@example.org", PASSWORD)
    page.wait_for_url("**/login/verify")
    shot("6-second-step")
    page.get_by_label("Code").fill(totp.at(int(time.time()) + 30))  # the next code: each works once
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url("**/authorize?**")
    shot("7-consent")
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url("**/playground/")
    text = page.inner_text("main")
    assert "signature verified" in text and "new.person@example.org" in text
    shot("8-back-at-the-app")
    user = get_user_model().objects.get(email="new.person@example.org")
    latest = SignIn.objects.filter(user=user).order_by("-auth_time").first()
    assert latest.amr == ["pwd", "otp", "mfa"] and latest.acr == "2"


def test_password_reset(site, page, shot):
    page.goto(site + "/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill("demo@example.com")
    page.get_by_role("button", name="Send the link").click()
    assert "Check your email" in page.inner_text("h1")
    run_worker()  # the link is mailed by the background worker
    page.goto(_mail_link("demo@example.com"))
    page.get_by_label("New password", exact=True).fill("my new demo passphrase")
    page.get_by_label("New password confirmation").fill("my new demo passphrase")
    shot("1-new-password")
    page.get_by_role("button", name="Save the new password").click()
    assert "Your password was changed" in page.inner_text("h1")
    page.get_by_role("link", name="Sign in").click()
    _sign_in(page, "demo", "my new demo passphrase")
    page.wait_for_url(site + "/")
    assert "Hello" in page.inner_text("h1")
    shot("2-signed-in")


def test_removing_a_connected_app(site, page, shot):
    page.goto(site + "/playground/start")
    _sign_in(page, "demo", "browser-pass-123")
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url("**/playground/")
    page.goto(site + "/account/apps")
    assert "Portico Playground" in page.inner_text("main")
    shot("1-apps")
    page.get_by_role("button", name="Remove access for Portico Playground").click()
    assert "no longer has access" in page.get_by_role("status").inner_text()
    assert "No app has access to your account." in page.inner_text("main")
    shot("2-removed")
    # The app must ask again.
    page.goto(site + "/playground/start")
    assert page.get_by_role("button", name="Allow").is_visible()


def test_signing_out_another_session(site, chromium, page, shot):
    other = chromium.new_context(user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0")
    other_page = other.new_page()
    for p in (page, other_page):
        p.goto(site + "/login")
        _sign_in(p, "demo", "browser-pass-123")
        p.wait_for_url(site + "/")
    page.goto(site + "/account/sessions")
    assert "Firefox on Linux" in page.inner_text("main")
    shot("1-sessions")
    page.locator("section", has_text="Firefox on Linux").get_by_role("button", name="Sign out this session").click()
    assert "That session was signed out" in page.get_by_role("status").inner_text()
    assert "Firefox on Linux" not in page.inner_text("main")
    shot("2-signed-out-other")
    other_page.goto(site + "/")
    assert "/login" in other_page.url
    other.close()


def test_passkey_added_then_used_to_sign_in_without_a_password(live_server, settings, site, page, shot):
    # WebAuthn needs a domain as relying party ID: the same loopback server, addressed as localhost.
    origin = live_server.url.replace("127.0.0.1", "localhost")
    settings.PORTICO_WEBAUTHN_RP_ID, settings.PORTICO_WEBAUTHN_ORIGIN = "localhost", origin
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {"options": {"protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
                     "hasUserVerification": True, "isUserVerified": True}},
    )
    page.goto(origin + "/login")
    _sign_in(page, "demo", "browser-pass-123")
    page.goto(origin + "/account/security")
    page.get_by_label("Name for the new passkey").fill("Laptop")
    page.get_by_role("button", name="Add a passkey").click()
    page.wait_for_url(origin + "/account/security")
    assert "Passkey “Laptop” added." in page.get_by_role("status").inner_text()
    shot("1-passkey-added")
    page.get_by_role("button", name="Sign out").click()

    page.goto(origin + "/login")
    page.get_by_role("button", name="Sign in with a passkey").click()
    page.wait_for_url(origin + "/")
    assert "Hello" in page.inner_text("h1")
    shot("2-signed-in-with-passkey")
    latest = SignIn.objects.filter(user__username="demo").order_by("-auth_time").first()
    assert latest.amr == ["hwk", "mfa"] and latest.acr == "2"


def test_pages_in_french_when_the_app_asks_for_it(site, page, shot):
    page.goto(site + "/signup?ui_locales=fr-CA")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.inner_text("h1") == "Créer un compte"
    page.get_by_role("button", name="Créer un compte").click()
    assert page.get_by_role("alert").first.is_visible()  # the form errors, in French too
    assert "Ce champ est obligatoire." in page.inner_text("main")
    shot("signup-fr")
