"""Password reset by email and password change."""

import re

import pytest
from django.core import mail
from django.db import connection
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext
from django_tasks.backends.database.models import DBTaskResult

from accounts.models import SignIn
from tests.integration.accounts_helpers import closed_loopback_port, last_link, path_of, run_worker, sign_in

pytestmark = pytest.mark.django_db


def _reset_request(email: str):
    """The request and what it did: its answer, the queries it ran (by table) and the tasks it enqueued."""
    with CaptureQueriesContext(connection) as queries:
        response = Browser().post("/password/reset", {"email": email})
    tables = sorted(re.findall(r'(?:FROM|INTO|UPDATE) "(\w+)"', " ".join(q["sql"] for q in queries)))
    return response, tables


@pytest.mark.django_db(transaction=True)  # the worker runs its own transactions
def test_reset_does_the_same_work_for_known_and_unknown_addresses_and_mails_later(make_user):
    make_user(email="dana@example.org")
    unknown, unknown_work = _reset_request("nobody@example.org")
    known, known_work = _reset_request("dana@example.org")
    assert unknown.status_code == known.status_code == 302
    assert unknown["Location"] == known["Location"] == "/password/reset/sent"
    assert unknown.content == known.content
    # No account lookup, token or mail relay on the request path: the same queries, one task each.
    assert unknown_work == known_work and "accounts_user" not in known_work
    assert mail.outbox == []
    assert DBTaskResult.objects.filter(task_path="accounts.reset.send_password_reset").count() == 2
    run_worker()
    assert [m.to for m in mail.outbox] == [["dana@example.org"]]


@pytest.mark.django_db(transaction=True)  # the worker runs its own transactions
def test_a_mail_relay_that_is_down_is_logged_not_shown(make_user, settings, caplog):
    user = make_user(email="dana@example.org")
    port = closed_loopback_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    known = Browser().post("/password/reset", {"email": "dana@example.org"})
    assert known.status_code == 302 and known["Location"] == "/password/reset/sent"
    run_worker()
    assert "password_reset not sent: ConnectionRefusedError" in caplog.text
    assert "dana@example.org" not in caplog.text
    # The security notice of a password change is the worker's too: the page does not wait for the relay.
    browser = Browser()
    sign_in(browser, user.username, user.raw_password)
    changed = browser.post("/account/password", {"old_password": user.raw_password,
                                                 "new_password1": "another long passphrase",
                                                 "new_password2": "another long passphrase"})
    assert changed.status_code == 302 and changed["Location"] == "/account/security"


@pytest.mark.django_db(transaction=True)  # the worker runs its own transactions
def test_reset_link_sets_a_new_password_once_and_signs_out_everywhere(make_user):
    user = make_user(email="dana@example.org")
    elsewhere = Browser()
    sign_in(elsewhere, user.username, user.raw_password)
    Browser().post("/password/reset", {"email": "dana@example.org"}, HTTP_HOST="localhost:9999")
    run_worker()
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


@pytest.mark.django_db(transaction=True)  # the worker runs its own transactions
def test_one_network_cannot_use_up_an_address_s_reset_mail(make_user, caplog):
    make_user(email="dana@example.org")
    attacker = [Browser(REMOTE_ADDR="198.51.100.9").post("/password/reset", {"email": "dana@example.org"})
                for _ in range(5)]
    assert [r.status_code for r in attacker] == [302, 302, 302, 429, 429]
    assert "Too many requests from your network" in attacker[-1].content.decode()
    # Other addresses from that network, and the owner from theirs, are still answered.
    assert Browser(REMOTE_ADDR="198.51.100.9").post("/password/reset", {"email": "eve@example.org"}).status_code == 302
    owner = Browser(REMOTE_ADDR="203.0.113.5").post("/password/reset", {"email": "dana@example.org"})
    assert owner.status_code == 302
    assert DBTaskResult.objects.filter(task_path="accounts.reset.send_password_reset").count() == 5
    run_worker()
    assert [m.to for m in mail.outbox] == [["dana@example.org"]] * 4
