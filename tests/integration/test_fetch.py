"""Fetching client documents (oidc/fetch.py): pinned to the checked address, bounded, no redirects."""

import ipaddress
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from oidc import fetch


@pytest.fixture
def server():
    """A loopback web server answering each path with a (status, headers, body) set by the test."""
    routes: dict[str, tuple[int, dict, bytes]] = {}
    seen: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append({"path": self.path, "host": self.headers["Host"]})
            status, headers, body = routes.get(self.path, (404, {}, b"{}"))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    httpd.routes, httpd.seen = routes, seen
    yield httpd
    httpd.shutdown()


@pytest.fixture
def rebinding_dns(monkeypatch):
    """A resolver whose answer for rp.example changes after the first lookup (DNS rebinding): first the
    test server's address, then an address where nothing listens."""
    real = socket.getaddrinfo
    answers = ["127.0.0.1", "127.0.0.2"]
    lookups: list[str] = []

    def getaddrinfo(host, port, *args, **kwargs):
        try:
            ipaddress.ip_address(host)
        except ValueError:
            lookups.append(host)
            address = answers[0] if len(lookups) == 1 else answers[1]
            return real(address, port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return lookups


def test_connects_to_the_address_it_checked_not_a_second_answer(server, rebinding_dns, settings):
    settings.PORTICO_ALLOW_PRIVATE_FETCH = True
    port = server.server_address[1]
    server.routes["/jwks"] = (200, {"Content-Type": "application/json"}, json.dumps({"keys": []}).encode())
    assert fetch.fetch_json(f"http://rp.example:{port}/jwks") == {"keys": []}
    assert rebinding_dns == ["rp.example"]  # resolved once
    assert server.seen == [{"path": "/jwks", "host": f"rp.example:{port}"}]


def test_redirects_are_not_followed(server, settings):
    settings.PORTICO_ALLOW_PRIVATE_FETCH = True
    port = server.server_address[1]
    server.routes["/jwks"] = (302, {"Location": "http://169.254.169.254/latest"}, b"")
    with pytest.raises(fetch.FetchError, match="redirects are not followed"):
        fetch.fetch_json(f"http://127.0.0.1:{port}/jwks")


@pytest.mark.parametrize(
    "status,body,message",
    [
        (200, b"x" * (fetch.MAX_BYTES + 1), "larger than"),
        (200, b"not json", "not JSON"),
        (200, b"[1, 2]", "not a JSON object"),
        (500, b"{}", "failed"),
    ],
)
def test_documents_are_bounded_and_must_be_json_objects(server, settings, status, body, message):
    settings.PORTICO_ALLOW_PRIVATE_FETCH = True
    server.routes["/doc"] = (status, {}, body)
    with pytest.raises(fetch.FetchError, match=message):
        fetch.fetch_json(f"http://127.0.0.1:{server.server_address[1]}/doc")


def test_unresolvable_and_malformed_urls_are_fetch_errors(settings):
    settings.PORTICO_ALLOW_PRIVATE_FETCH = False
    with pytest.raises(fetch.FetchError, match="cannot resolve"):
        fetch.fetch_json("https://does-not-exist.invalid/jwks")
    with pytest.raises(fetch.FetchError, match="port"):
        fetch.fetch_json("https://rp.example.org:99999/jwks")
