"""Back-Channel Logout deliveries under real concurrency: two db_worker processes on one PostgreSQL
database, with every task enqueued twice, send each logout exactly once (the conditional UPDATE claim of
oidc/logout/delivery.py)."""

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from accounts import flows
from accounts.models import SignIn
from oidc import keys
from oidc.logout.delivery import send_logout
from oidc.models import LogoutDelivery, SessionClient

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


def start_worker(name: str) -> subprocess.Popen:
    settings = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}",
    }
    command = [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay", "--interval", "0"]
    return subprocess.Popen([*command, "--worker-id", name], cwd=ROOT, env=env)


def test_two_workers_deliver_each_logout_exactly_once(make_user, make_client, receiver):
    keys.active_key("RS256")  # the signing key exists before the workers sign anything
    app, _secret = make_client(backchannel_logout_uri=receiver.url("/backchannel"))
    user = make_user()
    sign_ins = [SignIn.objects.create(user=user) for _ in range(40)]
    for sign_in in sign_ins:
        SessionClient.objects.create(sign_in=sign_in, client=app)
        flows.end_sign_in(sign_in, reason="test")
    for delivery in LogoutDelivery.objects.all():
        send_logout.enqueue(delivery.pk)  # a duplicate wake-up for every delivery: the claim must hold

    workers = [start_worker("one"), start_worker("two")]
    assert [worker.wait(timeout=300) for worker in workers] == [0, 0]

    import jwt

    sids = Counter(
        jwt.decode(token, options={"verify_signature": False})["sid"]
        for token in receiver.tokens("/backchannel")
    )
    assert sids == Counter({sign_in.sid: 1 for sign_in in sign_ins})
    assert set(LogoutDelivery.objects.values_list("status", "attempts")) == {("delivered", 1)}


def test_delivery_of_a_killed_worker_is_resumed(make_user, make_client, receiver):
    """A worker killed mid-attempt leaves its delivery `sending` and its task row running: no worker would
    take it again. `manage.py resume_logouts` (scheduled) wakes it once the lease has passed, and it is sent."""
    import signal
    import time
    from datetime import timedelta

    import jwt
    from django.core.management import call_command
    from django.utils import timezone

    keys.active_key("RS256")
    receiver.slow_seconds = 60
    app, _secret = make_client(backchannel_logout_uri=receiver.url("/backchannel-slow"))
    sign_in = SignIn.objects.create(user=make_user())
    SessionClient.objects.create(sign_in=sign_in, client=app)
    flows.end_sign_in(sign_in, reason="test")
    [delivery] = LogoutDelivery.objects.all()

    worker = start_worker("doomed")
    stop = time.monotonic() + 60
    while not receiver.tokens("/backchannel-slow") and time.monotonic() < stop:
        time.sleep(0.05)
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)
    delivery.refresh_from_db()
    assert delivery.status == "sending" and delivery.attempts == 1

    type(app).objects.filter(pk=app.pk).update(backchannel_logout_uri=receiver.url("/backchannel"))
    LogoutDelivery.objects.filter(pk=delivery.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert start_worker("idle").wait(timeout=120) == 0
    assert receiver.tokens("/backchannel") == []  # nothing left to run: the lost task is not retried alone

    call_command("resume_logouts", verbosity=0)
    assert start_worker("rescuer").wait(timeout=120) == 0
    [token] = receiver.tokens("/backchannel")
    assert jwt.decode(token, options={"verify_signature": False})["sid"] == sign_in.sid
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
