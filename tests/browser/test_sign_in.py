"""A person signs in through the hosted pages in a real browser, and the playground shows the result."""

import re

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db(transaction=True)


def test_playground_sign_in_login_consent_and_result(live_server, issuer_at, page, shot):
    issuer = issuer_at(live_server.url)
    call_command("seed_demo", "--password", "browser-pass-123", stdout=open("/dev/null", "w"))

    page.goto(issuer + "/playground/")
    page.get_by_role("link", name="Sign in with Portico").click()

    page.wait_for_url("**/login?**")
    assert "Portico Playground" in page.inner_text("main")  # the app asking is named
    shot("1-login")
    page.get_by_label("Username or email").fill("demo")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    assert (
        page.get_by_role("alert").inner_text().startswith("That username or email and password do not match")
    )
    shot("2-login-error")
    page.get_by_label("Username or email").fill("demo@example.com")
    page.get_by_label("Password").fill("browser-pass-123")
    page.get_by_role("button", name="Sign in", exact=True).click()

    page.wait_for_url("**/authorize?**")
    assert "wants to use your Portico account" in page.inner_text("h1")
    assert "See your email address" in page.inner_text("main")
    shot("3-consent")
    page.get_by_role("button", name="Allow").click()

    page.wait_for_url("**/playground/")
    shot("4-playground-result")
    text = page.inner_text("main")
    assert "signature verified" in text
    assert "Dana M. Example" in text and "demo@example.com" in text
    # Values as JSON, not Python reprs; times as ISO 8601 dates.
    assert '"street_address": "1 Example Street"' in page.inner_text("#userinfo-json")
    assert "'street_address'" not in text and "True" not in text
    assert "email_verified\ttrue" in text
    assert re.search(r"auth_time\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(\d+\)", text)


def test_deny_sends_access_denied_back_to_the_app(live_server, issuer_at, page, shot):
    issuer = issuer_at(live_server.url)
    call_command("seed_demo", "--password", "browser-pass-123", stdout=open("/dev/null", "w"))
    page.goto(issuer + "/playground/start")
    page.get_by_label("Username or email").fill("demo")
    page.get_by_label("Password").fill("browser-pass-123")
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("button", name="Deny").click()
    page.wait_for_url("**/playground/")
    assert "access_denied" in page.get_by_role("alert").inner_text()
    shot("denied")
