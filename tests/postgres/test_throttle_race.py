"""Sign-in throttling under real concurrency, on PostgreSQL: attempts are reserved under a row lock before the
password is evaluated, so parallel guesses cannot all read the same count."""

import threading

import pytest
from django.db import OperationalError, connection
from django.test import Client as Browser

from accounts import throttle
from accounts.models import SecurityEvent

pytestmark = pytest.mark.django_db(transaction=True)

PRODUCTION_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]


def _in_parallel(n: int, work) -> list:
    barrier = threading.Barrier(n)
    results: list = []

    def run():
        barrier.wait()
        try:
            results.append(work())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_forty_parallel_wrong_passwords_get_at_most_the_lockout_evaluated(make_user, settings):
    """Forty sign-in requests at once, each on its own database connection, through the whole login view."""
    settings.PORTICO_THROTTLE_ACCOUNT = (10, 10)  # no slow-down: only the lock bounds the count
    settings.PORTICO_THROTTLE_IP = (1000, 1000)
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS
    user = make_user()

    def guess():
        return Browser().post("/login", {"username": user.username, "password": "wrong guess"}).status_code

    statuses = _in_parallel(40, guess)
    evaluated = SecurityEvent.objects.filter(user=user, kind=SecurityEvent.Kind.SIGN_IN_FAILED).count()
    assert evaluated == 10
    assert sorted(statuses) == [200] * 10 + [429] * 30


def test_parallel_reservations_never_exceed_the_lock(make_user, settings):
    settings.PORTICO_THROTTLE_ACCOUNT = (10, 10)
    key = throttle.user_key(make_user())
    granted = _in_parallel(40, lambda: throttle.reserve([key]).allowed)
    assert granted.count(True) == 10


def test_releasing_and_reserving_the_same_keys_in_parallel_never_deadlocks(settings):
    """reserve() locks rows in key order; release(), failed() and succeeded() must take them in the same order,
    not in the order a multi-row UPDATE scans them (PostgreSQL 13.3.4: opposite lock orders deadlock)."""
    settings.PORTICO_THROTTLE_ACCOUNT = (10**9, 10**9)
    settings.PORTICO_THROTTLE_IP = (10**9, 10**9)
    keys = [f"portico:throttle:name:{c}" for c in "zyxwvu"]
    for key in keys:  # created in reverse: the table's physical order is not the key order
        throttle.reserve([key]).release()
    errors: list[str] = []

    def churn():
        for n in range(150):
            try:
                reservation = throttle.reserve(list(keys))
                if n % 3 == 0:
                    reservation.failed()
                    reservation.release()
                elif n % 3 == 1:
                    reservation.release()
                else:
                    reservation.succeeded()
            except OperationalError as error:
                errors.append(str(error).splitlines()[0])

    _in_parallel(4, churn)
    assert errors == []
