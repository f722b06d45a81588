"""manage.py purge_accounts: expired throttle counters and sessions go, live ones stay."""

import importlib
import time
from io import StringIO

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command

from accounts import throttle
from accounts.models import ThrottleCounter

pytestmark = pytest.mark.django_db


def test_purge_deletes_only_expired_counters_and_sessions(make_user, settings):
    past = time.time() - 2 * 3600
    assert throttle.reserve(["portico:throttle:name:old"], now=past).allowed
    assert throttle.reserve(["portico:throttle:name:live"]).allowed
    store = importlib.import_module(settings.SESSION_ENGINE).SessionStore()
    store.set_expiry(-10)
    store.create()
    out = StringIO()
    call_command("purge_accounts", stdout=out)
    assert list(ThrottleCounter.objects.values_list("key", flat=True)) == ["portico:throttle:name:live"]
    assert not Session.objects.exists()
    assert "deleted: 1 throttle counters" in out.getvalue()
