"""Single-use guarantees under real concurrency, on PostgreSQL."""

import base64
import threading

import pytest
import requests
from django.test import Client as Browser

from oidc.models import AccessToken, Grant, RefreshToken
from tests.integration.helpers import get_code
from tests.oauth import assert_oauth_error

pytestmark = pytest.mark.django_db(transaction=True)


def _redeem(issuer, auth, rp, code, verifier) -> requests.Response:
    return requests.post(
        issuer + "/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": verifier,
            "redirect_uri": rp.redirect_uris.split()[0],
        },
        headers={"Authorization": auth},
        timeout=30,
    )


def test_concurrent_redemption_of_one_code_mints_once(live_server, issuer_at, make_user, make_client):
    """Style rule 7 / RFC 6749 4.1.2: the code is consumed (conditional UPDATE) before anything is minted."""
    issuer = issuer_at(live_server.url)
    browser = Browser()
    browser.force_login(make_user())
    rp, secret = make_client(skip_consent=True)
    code, verifier = get_code(browser, rp)
    auth = "Basic " + base64.b64encode(f"{rp.client_id}:{secret}".encode()).decode()
    barrier = threading.Barrier(8)
    statuses: list[int] = []

    def redeem():
        barrier.wait()
        statuses.append(_redeem(issuer, auth, rp, code, verifier).status_code)

    threads = [threading.Thread(target=redeem) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] + [400] * 7
    assert AccessToken.objects.count() <= 1  # later replays may also have revoked the first
    assert Grant.objects.get().redeemed_at is not None


def test_one_active_signing_key_per_algorithm_is_a_database_constraint(db):
    from django.db import IntegrityError, transaction

    from oidc import keys

    keys.create_signing_key()
    with pytest.raises(IntegrityError), transaction.atomic():
        keys.create_signing_key()


def test_concurrent_use_of_one_refresh_token_is_reuse(live_server, issuer_at, make_user, make_client):
    """RFC 9700 4.14.2: eight simultaneous refreshes of one token. The row lock serializes them; the first
    rotates, every other one finds the token used: invalid_grant (never a 200 without tokens), and the family,
    successor included, is revoked as for any reuse."""
    issuer = issuer_at(live_server.url)
    browser = Browser()
    browser.force_login(make_user())
    rp, secret = make_client(skip_consent=True)
    code, verifier = get_code(browser, rp, scope="openid offline_access")
    auth = "Basic " + base64.b64encode(f"{rp.client_id}:{secret}".encode()).decode()
    first = _redeem(issuer, auth, rp, code, verifier).json()
    barrier = threading.Barrier(8)
    answers: list[requests.Response] = []

    def refresh():
        barrier.wait()
        answers.append(
            requests.post(
                issuer + "/token",
                data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
                headers={"Authorization": auth},
                timeout=30,
            )
        )

    threads = [threading.Thread(target=refresh) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] + [400] * 7, statuses
    winner = next(a.json() for a in answers if a.status_code == 200)
    assert winner["access_token"] and winner["refresh_token"]
    for refused in (a for a in answers if a.status_code == 400):
        assert_oauth_error(refused, 400, "invalid_grant")
    # The reuse revoked the whole chain: the winner's refresh token is dead too.
    assert not RefreshToken.objects.filter(revoked__isnull=True).exists()
    again = requests.post(
        issuer + "/token",
        data={"grant_type": "refresh_token", "refresh_token": winner["refresh_token"]},
        headers={"Authorization": auth},
        timeout=30,
    )
    assert_oauth_error(again, 400, "invalid_grant")
