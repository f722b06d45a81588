"""A pushed authorization request is used once (RFC 9126 4) even when uses race, on PostgreSQL."""

import threading

import pytest
from django.db import connection
from django.utils import timezone

from oidc import pushed_requests
from oidc.models import PushedAuthorizationRequest

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_uses_of_one_request_uri_succeed_once(make_client):
    rp, _ = make_client()
    request_uri, _ttl = pushed_requests.store(
        rp, {"client_id": rp.client_id, "state": "s"}, now=timezone.now()
    )
    barrier = threading.Barrier(8)
    taken: list[dict | None] = []

    def use():
        try:
            barrier.wait()
            taken.append(pushed_requests.take(request_uri, client=rp, now=timezone.now()))
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(taken) == 8
    assert [t for t in taken if t is not None] == [{"client_id": rp.client_id, "state": "s"}]
    assert not PushedAuthorizationRequest.objects.exists()
