"""What an unauthenticated request can make Portico fetch is bounded (oidc/fetch.py): one deadline for the
whole fetch, failures remembered, a few fetches per host at once. The servers are loopback ones that answer
slowly on purpose; no assertion depends on how long anything took."""

import threading

import pytest

from oidc import fetch


@pytest.mark.parametrize("drip_headers", [True, False], ids=["dripped headers", "dripped body"])
def test_a_server_sending_a_byte_at_a_time_is_cut_off_by_the_total_deadline(
    drip_server, settings, drip_headers
):
    # Each byte arrives well within any per-read timeout; 250 bytes at 0.1 s would take 25 s in all.
    settings.PORTICO_FETCH_DEADLINE = 1
    server = drip_server(drip_headers=drip_headers)
    with pytest.raises(fetch.FetchError, match="took longer than 1 s"):
        fetch.fetch_json(server.url)
    assert server.done.wait(10)
    assert server.outcomes == ["client hung up"]  # the deadline, not the end of the document, ended it


@pytest.mark.django_db
def test_a_failed_url_is_not_fetched_again_while_its_failure_is_remembered(drip_server, settings):
    settings.PORTICO_FETCH_DEADLINE = 1
    server = drip_server(drip_headers=False)
    with pytest.raises(fetch.FetchError, match="took longer"):
        fetch.cached_json(server.url)
    with pytest.raises(fetch.FetchError, match="not fetched again for a while"):
        fetch.cached_json(server.url)
    with pytest.raises(fetch.FetchError, match="not fetched again for a while"):
        fetch.cached_json(server.url, refresh=True)
    assert server.requests == 1


@pytest.mark.django_db
def test_fetches_to_one_host_beyond_the_limit_fail_at_once_and_are_not_remembered(drip_server, settings):
    settings.PORTICO_FETCH_DEADLINE = 30  # the first fetch holds the host's only slot until released
    settings.PORTICO_FETCH_PER_HOST = 1
    server = drip_server(drip_headers=False)
    first: list[Exception] = []

    def hold():
        try:
            fetch.fetch_json(server.url)
        except fetch.FetchError as exc:
            first.append(exc)

    holder = threading.Thread(target=hold)
    holder.start()
    assert server.connected.wait(10)
    with pytest.raises(fetch.HostBusy, match="too many fetches to 127.0.0.1"):
        fetch.cached_json(server.url)
    assert server.requests == 1
    server.release.set()
    holder.join(10)
    assert not holder.is_alive() and first  # released mid-document: it failed, but only for itself
    with pytest.raises(
        fetch.FetchError
    ) as refused:  # the slot is free again: a real fetch, not a cached busy
        fetch.cached_json(server.url)
    assert not isinstance(refused.value, fetch.HostBusy)
    assert server.requests == 2


@pytest.mark.django_db
def test_a_document_is_kept_and_refreshed_on_an_unknown_kid_at_most_once_a_minute(document_server):
    url, now = document_server["url"], 1_000_000.0
    assert fetch.cached_json(url, now=now) == {"keys": [{"kid": "one"}]}
    document_server["document"] = {"keys": [{"kid": "two"}]}
    assert fetch.cached_json(url, now=now + fetch.CACHE_SECONDS - 1)["keys"][0]["kid"] == "one"
    assert (
        fetch.cached_json(url, refresh=True, now=now + fetch.MIN_REFETCH_SECONDS - 1)["keys"][0]["kid"]
        == "one"
    )
    assert document_server["requests"] == 1
    assert (
        fetch.cached_json(url, refresh=True, now=now + fetch.MIN_REFETCH_SECONDS)["keys"][0]["kid"] == "two"
    )
    assert document_server["requests"] == 2


@pytest.mark.django_db
def test_while_a_refetch_fails_the_last_document_is_used_within_its_stale_limit(document_server):
    url, now = document_server["url"], 2_000_000.0
    fetch.cached_json(url, now=now)
    document_server["status"] = 500
    assert fetch.cached_json(url, now=now + fetch.CACHE_SECONDS) == {"keys": [{"kid": "one"}]}
    assert fetch.cached_json(url, now=now + fetch.CACHE_SECONDS + 1) == {"keys": [{"kid": "one"}]}
    assert document_server["requests"] == 2  # the failure was remembered: one refetch, not one per request
    with pytest.raises(fetch.FetchError):
        fetch.cached_json(url, now=now + fetch.STALE_SECONDS)
