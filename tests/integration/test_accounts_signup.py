"""Sign-up (PORTICO_SIGNUP open | invite | closed) and email verification by signed link."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.test import Client as Browser

from accounts import invitations, verification
from tests.integration.accounts_helpers import confirm_email, last_link, path_of, run_worker, sign_in

pytestmark = pytest.mark.django_db
User = get_user_model()
GOOD = {"email": "new.person@example.org", "given_name": "New", "family_name": "Person",
        "password1": "a long and unusual passphrase", "password2": "a long and unusual passphrase"}


@pytest.fixture(autouse=True)
def open_signup(settings):
    settings.PORTICO_SIGNUP = "open"
    settings.PORTICO_TERMS_URL = ""
    settings.PORTICO_PRIVACY_URL = ""


@pytest.mark.django_db(transaction=True)  # the worker runs its own transactions
def test_sign_up_verify_then_sign_in_returns_to_the_app():
    browser = Browser()
    next_url = "/authorize?client_id=abc&response_type=code"
    response = browser.post("/signup", {**GOOD, "next": next_url})
    assert response.status_code == 200 and "Check your email" in response.content.decode()
    user = User.objects.get(email="new.person@example.org")
    assert user.self_registered and not user.email_verified and user.first_name == "New"
    assert browser.get("/").status_code == 302  # not signed in by signing up
    assert mail.outbox == []  # the link is mailed by the worker, never on the request path
    run_worker()
    assert [m.to for m in mail.outbox] == [["new.person@example.org"]]
    # Before verification the right password does not sign in; a new link is sent.
    blocked = sign_in(Browser(), "new.person@example.org", GOOD["password1"])
    assert blocked.status_code == 403 and len(mail.outbox) == 1
    run_worker()
    assert len(mail.outbox) == 2
    link = last_link("new.person@example.org")
    assert link.startswith("http://127.0.0.1:8000/verify-email?token=")  # from the issuer, not Host
    assert mail.outbox[-1].alternatives[0][1] == "text/html"
    assert "Confirm my address" in browser.get(path_of(link)).content.decode()
    user.refresh_from_db()
    assert not user.email_verified  # opening the link (as a mail scanner would) confirms nothing
    verified = confirm_email(browser, link)
    assert verified.status_code == 200 and "Email confirmed" in verified.content.decode()
    user.refresh_from_db()
    assert user.email_verified
    signed_in = sign_in(browser, "new.person@example.org", GOOD["password1"], next=next_url)
    assert signed_in.status_code == 302 and signed_in["Location"] == next_url


@pytest.mark.django_db(transaction=True)  # the worker runs its own transactions
def test_address_in_use_gets_the_same_page_and_an_email_to_its_owner(make_user):
    owner = make_user(email="taken@example.org")
    response = Browser().post("/signup", {**GOOD, "email": "Taken@example.org"})
    assert response.status_code == 200 and "Check your email" in response.content.decode()
    assert User.objects.filter(email__iexact="taken@example.org").count() == 1
    run_worker()
    assert mail.outbox[-1].to == [owner.email] and "already have one" in mail.outbox[-1].body


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"email": "not-an-address"}, "email", "Enter a valid email address."),
        ({"password2": "something else entirely"}, "password2", "The two passwords do not match."),
        ({"password1": "password", "password2": "password"}, "password1", "This password is too common."),
        ({"email": ""}, "email", "This field is required."),
    ],
)
def test_sign_up_form_errors(change, field, message):
    response = Browser().post("/signup", {**GOOD, **change})
    assert response.status_code == 200
    assert message in [str(e) for e in response.context["form"].errors[field]]
    assert 'role="alert"' in response.content.decode()
    assert not User.objects.exists()


def test_terms_must_be_accepted_when_configured(settings):
    settings.PORTICO_TERMS_URL = "https://example.org/terms"
    page = Browser().get("/signup").content.decode()
    assert "https://example.org/terms" in page
    refused = Browser().post("/signup", GOOD)
    assert refused.context["form"].errors["accept_terms"] == ["Please accept the terms to continue."]
    assert Browser().post("/signup", {**GOOD, "accept_terms": "on"}).status_code == 200
    assert User.objects.count() == 1


def test_invite_mode_needs_a_valid_unused_invitation(settings):
    settings.PORTICO_SIGNUP = "invite"
    _, code = invitations.create(email="new.person@example.org")
    missing = Browser().post("/signup", GOOD)
    assert missing.context["form"].errors["invitation"] == ["This field is required."]
    wrong = Browser().post("/signup", {**GOOD, "invitation": "not-a-code"})
    assert "This invitation is not valid" in wrong.context["form"].errors["invitation"][0]
    assert Browser().get("/signup", {"invite": code}).context["form"]["invitation"].value() == code
    assert "Check your email" in Browser().post("/signup", {**GOOD, "invitation": code}).content.decode()
    reused = Browser().post("/signup", {**GOOD, "email": "other@example.org", "invitation": code})
    assert "already used" in reused.context["form"].errors["invitation"][0]
    assert User.objects.count() == 1


def test_closed_sign_up_is_refused_and_not_offered(settings):
    settings.PORTICO_SIGNUP = "closed"
    response = Browser().post("/signup", GOOD)
    assert response.status_code == 403 and "Sign-up is closed" in response.content.decode()
    assert "Create an account" not in Browser().get("/login").content.decode()
    assert not User.objects.exists()


def test_sign_up_is_throttled_per_network(settings):
    settings.PORTICO_THROTTLE_IP = (2, 3)
    browser = Browser()
    for n in range(3):
        browser.post("/signup", {**GOOD, "email": f"p{n}@example.org"})
    refused = browser.post("/signup", {**GOOD, "email": "p9@example.org"})
    assert refused.status_code == 429 and not User.objects.filter(email="p9@example.org").exists()


def test_verification_links_that_do_not_verify(make_user):
    user = make_user(email="dana@example.org")
    assert Browser().get("/verify-email", {"token": "garbage"}).status_code == 400
    other_address = verification.make_token(user, "someone.else@example.org")
    assert Browser().get("/verify-email", {"token": other_address}).status_code == 400
    assert Browser().post("/verify-email", {"token": other_address}).status_code == 400
    expired = verification.read_token(verification.make_token(user, user.email), max_age=-1)
    assert expired is None
    user.refresh_from_db()
    assert not user.email_verified


@pytest.mark.django_db(transaction=True)  # the worker runs its own transactions
def test_invitation_from_the_command_and_from_the_admin(settings, admin_client):
    settings.PORTICO_SIGNUP = "invite"
    out = io.StringIO()
    call_command("accounts_invite", "--email", "new.person@example.org", "--send", stdout=out)
    link = out.getvalue().split(": ", 1)[1].strip()
    assert mail.outbox == []
    run_worker()
    assert mail.outbox[-1].to == ["new.person@example.org"] and link in mail.outbox[-1].body
    code = link.split("invite=")[1]
    assert "Check your email" in Browser().post("/signup", {**GOOD, "invitation": code}).content.decode()
    added = admin_client.post(
        "/admin/accounts/invitation/add/",
        {"email": "", "note": "for the team", "expires_at_0": "2099-01-01", "expires_at_1": "00:00:00"},
        follow=True,
    )
    shown = [str(m) for m in added.context["messages"] if "invite=" in str(m)]
    admin_code = shown[0].split("invite=")[1]
    response = Browser().post("/signup", {**GOOD, "email": "second@example.org", "invitation": admin_code})
    assert "Check your email" in response.content.decode()
    assert User.objects.count() == 3  # admin + two invited
