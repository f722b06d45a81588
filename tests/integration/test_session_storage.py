"""Browser session keys are bearer credentials: the database keeps only their keyed digests
(accounts/session_store.py), in django_session and in the sign-in registry alike."""

import importlib
from io import StringIO

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as PlainSessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client as Browser

from accounts import session_store
from accounts.models import SignIn
from tests.integration.accounts_helpers import sign_in

pytestmark = pytest.mark.django_db


def _signed_in(user) -> tuple[Browser, str]:
    browser = Browser()
    assert sign_in(browser, user.username, user.raw_password).status_code == 302
    return browser, browser.cookies[settings.SESSION_COOKIE_NAME].value


def test_database_dump_contains_no_session_key(make_user):
    user = make_user()
    browser, key = _signed_in(user)
    out = StringIO()
    call_command("dumpdata", stdout=out)
    dump = out.getvalue()
    assert '"model": "sessions.session"' in dump and '"model": "accounts.signin"' in dump
    assert key not in dump
    stored = Session.objects.get()
    assert stored.session_key == session_store.digest(key) != key
    assert SignIn.objects.get(user=user).session_digest == stored.session_key
    assert browser.get("/account/security").status_code == 200  # the cookie still signs in


def test_a_stored_digest_presented_as_a_cookie_signs_no_one_in(make_user):
    user = make_user()
    _signed_in(user)
    thief = Browser()
    thief.cookies[settings.SESSION_COOKIE_NAME] = Session.objects.get().session_key
    assert thief.get("/account/security").status_code == 302


def test_signing_out_other_devices_still_ends_their_sessions(make_user):
    user = make_user()
    here, _ = _signed_in(user)
    there, _ = _signed_in(user)
    assert here.post("/account/sessions/end", {"scope": "others"})["Location"] == "/account/sessions"
    assert there.get("/account/security").status_code == 302
    assert here.get("/account/security").status_code == 200
    assert Session.objects.count() == 1


def test_sessions_stored_in_clear_before_the_upgrade_are_converted_and_keep_working(make_user):
    user = make_user()
    old = PlainSessionStore()
    old["_auth_user_id"] = str(user.pk)
    old["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    old["_auth_user_hash"] = user.get_session_auth_hash()
    old.create()
    old.save()
    sign_in_row = SignIn.objects.create(user=user, session_digest=old.session_key)
    assert Session.objects.filter(session_key=old.session_key).exists()
    migration = importlib.import_module("accounts.migrations.0006_session_digests")
    migration.digest_existing(apps, None)
    migration.digest_existing(apps, None)  # a second run changes nothing
    assert not Session.objects.filter(session_key=old.session_key).exists()
    sign_in_row.refresh_from_db()
    assert sign_in_row.session_digest == session_store.digest(old.session_key)
    browser = Browser()
    browser.cookies[settings.SESSION_COOKIE_NAME] = old.session_key
    assert browser.get("/account/security").status_code == 200
