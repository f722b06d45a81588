"""Single-use guarantees under real concurrency, on PostgreSQL."""

import base64
import threading

import pytest
import requests
from django.test import Client as Browser

from oidc.models import AccessToken, Grant
from tests.integration.helpers import get_code

pytestmark = pytest.mark.django_db(transaction=True)


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
        response = requests.post(
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
        statuses.append(response.status_code)

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
