"""The built-in playground reads the provider's discovery over HTTP like any relying party (Discovery 4);
a provider it cannot read gives a readable 502 page, never a 500."""

import http.server
import threading

import pytest
from django.test import Client as Browser

from tests.integration.accounts_helpers import closed_loopback_port

pytestmark = pytest.mark.django_db


class _NotMetadata(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        body = b"<html>a web site, not an OpenID Provider</html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def html_site():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NotMetadata)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _problem(response) -> str:
    page = response.content.decode()
    assert 'role="alert"' in page
    return response.context["problem"]


def test_start_with_the_issuer_unreachable_is_a_502_page(settings):
    port = closed_loopback_port()
    settings.PORTICO_ISSUER = f"http://127.0.0.1:{port}"
    response = Browser().get("/playground/start")
    assert response.status_code == 502
    assert _problem(response) == (
        "The playground could not read this provider's discovery document: "
        f"http://127.0.0.1:{port}/.well-known/openid-configuration could not be reached "
        "([Errno 111] Connection refused)"
    )


def test_start_with_an_issuer_that_answers_no_metadata_is_a_502_page(settings, html_site):
    settings.PORTICO_ISSUER = html_site
    response = Browser().get("/playground/start")
    assert response.status_code == 502
    assert _problem(response) == (
        "The playground could not read this provider's discovery document: "
        f"{html_site}/.well-known/openid-configuration did not answer with JSON (JSONDecodeError)"
    )


def test_callback_with_the_issuer_unreachable_shows_the_problem(settings):
    """The state check passes, then redeeming the code needs discovery again: the result page says why."""
    settings.PORTICO_ISSUER = f"http://127.0.0.1:{closed_loopback_port()}"
    browser = Browser()
    browser.get("/playground/start")
    session = browser.session
    session["portico_playground"] = {"verifier": "v" * 43, "state": "s1", "nonce": "n1"}
    session.save()
    back = browser.get("/playground/callback", {"code": "c", "state": "s1"})
    assert back.status_code == 302
    page = browser.get(back["Location"])
    assert page.status_code == 200 and "could not complete the sign-in" in page.content.decode()
    assert "Connection refused" in page.content.decode()
