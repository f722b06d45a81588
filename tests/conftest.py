"""Factories and shared fixtures. Factories take keyword-only options and return what a test needs."""

import base64
import hashlib
import json
import os
import secrets
import shutil
import socketserver
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model

from oidc import keys
from oidc.clients import create_client
from tests.slow_servers import DripServer


@pytest.fixture(autouse=True)
def _fresh_key_cache():
    # Keys live in the database, which each test resets; the in-process cache must follow.
    keys.clear_cache()
    yield
    keys.clear_cache()


@pytest.fixture
def make_user(db):
    def make(*, username=None, password="correct horse battery", **claims):
        username = username or f"user-{secrets.token_hex(4)}"
        user = get_user_model().objects.create_user(username=username, password=password, **claims)
        user.raw_password = password
        return user

    return make


@pytest.fixture
def make_client(db):
    def make(*, confidential=True, redirect_uris=("https://rp.example.org/cb",), auth_method=None, **options):
        method = auth_method or ("client_secret_basic" if confidential else "none")
        options.setdefault("name", "Test RP")
        return create_client(redirect_uris=list(redirect_uris), token_endpoint_auth_method=method, **options)

    return make


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


@pytest.fixture
def issuer_at(settings):
    """Point the issuer (Portico's and django-oauth-toolkit's copy) at a live server URL."""

    def point(url: str) -> str:
        settings.PORTICO_ISSUER = url
        settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": url}
        settings.ALLOWED_HOSTS = ["*"]
        return url

    return point


@pytest.fixture
def drip_server():
    """Start DripServers (tests/slow_servers.py): start(drip_headers=..., interval=...)."""
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


@pytest.fixture
def document_server():
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


@pytest.fixture
def receiver():
    """An app's own web server on loopback, receiving logouts (tests/protocol/logout_support.py)."""
    from tests.protocol.logout_support import start_receiver

    found, server = start_receiver()
    yield found
    server.shutdown()


# ---- a real browser (Playwright driving Debian's chromium), shared by tests/browser and tests/postgres ----
CHROMIUM = os.environ.get("PORTICO_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("PORTICO_ARTIFACTS", Path(__file__).resolve().parents[1] / "artifacts"))


@pytest.fixture(scope="session")
def chromium():
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (scripts/test does this)")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, request):
    context = chromium.new_context(viewport={"width": 390, "height": 844})  # phone width
    page = context.new_page()
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-final.png"), full_page=True)
    context.close()


@pytest.fixture
def shot(page, request):
    def take(label: str):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{label}.png"), full_page=True)

    return take
