"""Account mail goes through the db_worker: nothing is sent on the request path, a relay that is down is
logged (kind and error class only) and tried again a bounded number of times, and a mail that is no longer
true when the worker runs is not sent."""

import pytest
from django.core import mail
from django.test import Client as Browser
from django.utils import timezone
from django_tasks.backends.database.models import DBTaskResult

from accounts.mail_tasks import MAX_ATTEMPTS
from tests.integration.accounts_helpers import (
    closed_loopback_port,
    confirm_email,
    last_link,
    run_worker,
    sign_in,
)

pytestmark = pytest.mark.django_db(transaction=True)  # the worker runs its own transactions
TASK = "accounts.mail_tasks.send_account_mail"
PASSWORD = "a long and unusual passphrase"
SIGN_UP = {"email": "new.person@example.org", "password1": PASSWORD, "password2": PASSWORD}


@pytest.fixture
def relay_down(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_loopback_port(), 5


def _waiting_attempts() -> list[int]:
    """The attempt number of every account mail task not yet run (a retry waits for its run_after)."""
    rows = DBTaskResult.objects.filter(task_path=TASK, status="READY")
    return sorted(row.args_kwargs["args"][2] for row in rows)


def _make_retries_due() -> None:
    """Bring the waiting retries forward to now instead of waiting minutes for them."""
    DBTaskResult.objects.filter(task_path=TASK, status="READY").update(run_after=timezone.now())


def test_with_the_relay_down_pages_answer_and_the_worker_logs_retries_and_gives_up(
    make_user, settings, relay_down, caplog
):
    settings.PORTICO_SIGNUP = "open"
    signed_up = Browser().post("/signup", SIGN_UP)
    assert signed_up.status_code == 200 and "Check your email" in signed_up.content.decode()
    user = make_user(email="dana@example.org")
    browser = Browser()
    sign_in(browser, user.username, user.raw_password)
    changed = browser.post("/account/password", {"old_password": user.raw_password,
                                                 "new_password1": "another long passphrase",
                                                 "new_password2": "another long passphrase"})
    assert changed.status_code == 302 and changed["Location"] == "/account/security"
    assert browser.get(changed["Location"]).status_code == 200

    run_worker()
    for kind in ("verify_email", "security_notice"):
        assert f"account mail {kind} not sent (attempt 1 of {MAX_ATTEMPTS}): ConnectionRefusedError" in caplog.text
    assert _waiting_attempts() == [2, 2]  # each tried again later, not now
    for _ in range(MAX_ATTEMPTS - 1):
        _make_retries_due()
        run_worker()
    for kind in ("verify_email", "security_notice"):
        assert f"account mail {kind} not sent, given up after {MAX_ATTEMPTS} attempts" in caplog.text
    assert _waiting_attempts() == []
    # The operator sees the kind and the error class, never an address or a link.
    assert "@example.org" not in caplog.text and "token=" not in caplog.text


def test_a_link_to_an_address_no_longer_asked_for_is_not_sent(make_user):
    user = make_user(email="dana@example.org", email_verified=True)
    browser = Browser()
    sign_in(browser, user.username, user.raw_password)
    profile = {"first_name": "Dana", "last_name": "Example"}
    browser.post("/account/profile", {**profile, "email": "first.try@example.org"})
    browser.post("/account/profile", {**profile, "email": "second.try@example.org"})
    assert mail.outbox == []
    run_worker()
    # Both notices reach the current address; only the address now waiting gets a link, and it works.
    assert sorted(m.to[0] for m in mail.outbox) == ["dana@example.org", "dana@example.org", "second.try@example.org"]
    assert confirm_email(browser, last_link("second.try@example.org")).status_code == 200
    user.refresh_from_db()
    assert user.email == "second.try@example.org"
