"""What an unauthenticated request can make Portico fetch is bounded (oidc/fetch.py): one deadline for the
whole fetch, failures remembered, a few fetches per host at once. The servers are loopback ones that answer
slowly on purpose; no assertion depends on how long anything took."""

import json
import socket
import socketserver
import threading

import pytest

from oidc import fetch


class DripServer(socketserver.ThreadingTCPServer):
    """Answers every connection with a valid HTTP response sent one byte at a time, `interval` seconds apart,
    and records for each connection whether it sent everything or the client hung up first."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, *, drip_headers: bool, interval: float = 0.1):
        body = json.dumps({"keys": [], "padding": "x" * 200}).encode()
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        self.preamble, self.dripped = (b"", head.encode() + body) if drip_headers else (head.encode(), body)
        self.interval = interval
        self.requests = 0
        self.connected = threading.Event()
        self.outcomes: list[str] = []
        self.done = threading.Event()
        self.release = threading.Event()  # set to end the drip early once a test has what it needs
        super().__init__(("127.0.0.1", 0), DripHandler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/jwks"


class DripHandler(socketserver.BaseRequestHandler):
    def handle(self):
        server: DripServer = self.server  # type: ignore[assignment]
        self.request.recv(4096)  # the request (small, arrives in one segment on loopback)
        server.requests += 1
        server.connected.set()
        try:
            self.request.sendall(server.preamble)
            for byte in server.dripped:
                if server.release.wait(server.interval):
                    break
                self.request.sendall(bytes([byte]))
                self._raise_if_closed()
            outcome = "finished"
        except OSError:
            outcome = "client hung up"
        server.outcomes.append(outcome)
        server.done.set()

    def _raise_if_closed(self):
        """A peer that shut its side down makes the socket readable with nothing to read."""
        self.request.setblocking(False)
        try:
            if self.request.recv(1, socket.MSG_PEEK) == b"":
                raise ConnectionResetError
        except BlockingIOError:
            pass
        finally:
            self.request.setblocking(True)


@pytest.fixture
def drip_server():
    servers: list[DripServer] = []

    def start(**options) -> DripServer:
        server = DripServer(**options)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.release.set()
        server.shutdown()
        server.server_close()


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


@pytest.fixture
def json_server():
    """A loopback server answering /doc with the (status, document) the test sets, counting requests."""
    state = {"status": 200, "document": {"keys": [{"kid": "one"}]}, "requests": 0}

    class Handler(socketserver.StreamRequestHandler):
        def handle(self):
            while self.rfile.readline() not in (b"\r\n", b""):
                pass
            state["requests"] += 1
            body = json.dumps(state["document"]).encode()
            head = f"HTTP/1.1 {state['status']} X\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            self.wfile.write(head.encode() + body)

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state["url"] = f"http://127.0.0.1:{server.server_address[1]}/doc"
    yield state
    server.shutdown()
    server.server_close()


@pytest.mark.django_db
def test_a_document_is_kept_and_refreshed_on_an_unknown_kid_at_most_once_a_minute(json_server):
    url, now = json_server["url"], 1_000_000.0
    assert fetch.cached_json(url, now=now) == {"keys": [{"kid": "one"}]}
    json_server["document"] = {"keys": [{"kid": "two"}]}
    assert fetch.cached_json(url, now=now + fetch.CACHE_SECONDS - 1)["keys"][0]["kid"] == "one"
    assert (
        fetch.cached_json(url, refresh=True, now=now + fetch.MIN_REFETCH_SECONDS - 1)["keys"][0]["kid"]
        == "one"
    )
    assert json_server["requests"] == 1
    assert (
        fetch.cached_json(url, refresh=True, now=now + fetch.MIN_REFETCH_SECONDS)["keys"][0]["kid"] == "two"
    )
    assert json_server["requests"] == 2


@pytest.mark.django_db
def test_while_a_refetch_fails_the_last_document_is_used_within_its_stale_limit(json_server):
    url, now = json_server["url"], 2_000_000.0
    fetch.cached_json(url, now=now)
    json_server["status"] = 500
    assert fetch.cached_json(url, now=now + fetch.CACHE_SECONDS) == {"keys": [{"kid": "one"}]}
    assert fetch.cached_json(url, now=now + fetch.CACHE_SECONDS + 1) == {"keys": [{"kid": "one"}]}
    assert json_server["requests"] == 2  # the failure was remembered: one refetch, not one per request
    with pytest.raises(fetch.FetchError):
        fetch.cached_json(url, now=now + fetch.STALE_SECONDS)
