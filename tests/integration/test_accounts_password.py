"""Password reset by email and password change."""

import pytest
from django.core import mail
from django.test import Client as Browser

from accounts.models import SignIn
from tests.integration.accounts_helpers import last_link, path_of, sign_in

pytestmark = pytest.mark.django_db


def test_reset_answers_the_same_for_unknown_addresses_and_sends_nothing(make_user):
    make_user(email="dana@example.org")
    unknown = Browser().post("/password/reset", {"email": "nobody@example.org"})
    known = Browser().post("/password/reset", {"email": "dana@example.org"})
    assert unknown.status_code == known.status_code == 302
    assert unknown["Location"] == known["Location"] == "/password/reset/sent"
    assert [m.to for m in mail.outbox] == [["dana@example.org"]]


def test_reset_link_sets_a_new_password_once_and_signs_out_everywhere(make_user):
    user = make_user(email="dana@example.org")
    elsewhere = Browser()
    sign_in(elsewhere, user.username, user.raw_password)
    Browser().post("/password/reset", {"email": "dana@example.org"}, HTTP_HOST="localhost:9999")
    link = last_link()
    assert link.startswith("http://127.0.0.1:8000/password/reset/")  # never from the Host header
    browser = Browser()
    form = browser.get(path_of(link), follow=True)
    assert form.context["validlink"]
    weak = browser.post(form.redirect_chain[-1][0], {"new_password1": "abc", "new_password2": "abc"})
    assert "This password is too short" in weak.content.decode()
    done = browser.post(
        form.redirect_chain[-1][0], {"new_password1": "a brand new passphrase", "new_password2": "a brand new passphrase"}
    )
    assert done["Location"] == "/password/reset/done"
    assert elsewhere.get("/").status_code == 302  # signed out
    assert not SignIn.objects.filter(user=user, ended_at__isnull=True).exists()
    assert sign_in(Browser(), user.username, "a brand new passphrase").status_code == 302
    again = Browser().get(path_of(link), follow=True)
    assert not again.context["validlink"]
    user.refresh_from_db()
    assert user.email_verified  # following the link proved the address
    assert user.security_events.filter(kind="password_reset").exists()


def test_change_needs_the_current_password_and_signs_out_other_sessions(make_user):
    user = make_user()
    here, there = Browser(), Browser()
    sign_in(here, user.username, user.raw_password)
    sign_in(there, user.username, user.raw_password)
    wrong = here.post("/account/password", {"old_password": "nope", "new_password1": "x" * 12 + "yz!",
                                            "new_password2": "x" * 12 + "yz!"})
    assert wrong.status_code == 200 and wrong.context["form"].errors["old_password"]
    changed = here.post("/account/password", {"old_password": user.raw_password,
                                              "new_password1": "another long passphrase",
                                              "new_password2": "another long passphrase"})
    assert changed["Location"] == "/account/security"
    assert here.get("/").status_code == 200
    assert there.get("/").status_code == 302
    assert SignIn.objects.filter(user=user, ended_at__isnull=True).count() == 1
