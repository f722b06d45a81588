"""What the logout protocol tests share: a relying party's own web server on loopback (back-channel and
front-channel logout receivers), a code-flow sign-in through Authlib, the real db_worker, and an independent
check of a logout_token (Back-Channel Logout 1.0 2.4 and 2.6) against the published JWKS."""

import html
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urljoin

import jwt
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from django.core.management import call_command

BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
CALLBACK = "/callback"


@dataclass
class Receiver:
    """A relying party's server: POST /backchannel* records a logout_token and answers per its path
    (/backchannel-500 a 500, /backchannel-slow after `slow_seconds`); GET anything else serves a page
    (front-channel logout, post-logout landing) and records the query."""

    base: str = ""
    posts: list[tuple[str, dict]] = field(default_factory=list)
    gets: list[str] = field(default_factory=list)
    slow_seconds: float = 3.0
    pages: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # path -> (content type, body)

    def url(self, path: str) -> str:
        return self.base + path

    def tokens(self, path: str = "/backchannel") -> list[str]:
        return [form["logout_token"][0] for p, form in self.posts if p == path]


def start_receiver() -> tuple[Receiver, ThreadingHTTPServer]:
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            form = parse_qs(self.rfile.read(length).decode())
            receiver.posts.append((self.path, form))
            if self.path == "/backchannel-slow":
                time.sleep(receiver.slow_seconds)
            self.send_response(500 if self.path == "/backchannel-500" else 200)
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self):
            receiver.gets.append(self.path)
            default = ("text/html", b"<!doctype html><title>RP</title><p>signed out of the RP</p>")
            content_type, body = receiver.pages.get(self.path.split("?")[0], default)
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    receiver.base = f"http://127.0.0.1:{server.server_address[1]}"
    return receiver, server


def signed_in(issuer: str, browser: requests.Session) -> bool:
    """Whether Portico still knows this browser (its account page does not send it to sign in)."""
    return browser.get(issuer + "/", allow_redirects=False).status_code == 200


def form_field(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, f"{name} not found in page"
    return html.unescape(match.group(1))


def sign_in(issuer: str, browser: requests.Session, rp, secret: str, user, *, scope="openid") -> dict:
    """A person signs in through the app (Authlib, code flow with PKCE); returns the token response.
    The app is first-party (no consent page); an already signed-in browser goes straight back."""
    redirect = rp.redirect_uris.split()[0]
    session = OAuth2Session(
        rp.client_id, secret, scope=scope, redirect_uri=redirect, code_challenge_method="S256"
    )
    verifier = generate_token(48)
    url, state = session.create_authorization_url(
        issuer + "/authorize", nonce=generate_token(16), code_verifier=verifier
    )
    response = browser.get(url, allow_redirects=False)
    if response.status_code == 302 and "/login" in response.headers["Location"]:
        login = browser.get(urljoin(url, response.headers["Location"]))
        response = browser.post(
            login.url,
            data={
                "csrfmiddlewaretoken": form_field(login.text, "csrfmiddlewaretoken"),
                "username": user.username,
                "password": user.raw_password,
                "next": form_field(login.text, "next"),
            },
            headers={"Referer": login.url},
            allow_redirects=False,
        )
        response = browser.get(urljoin(login.url, response.headers["Location"]), allow_redirects=False)
    assert response.status_code == 302 and response.headers["Location"].startswith(redirect), response.text[
        :300
    ]
    return session.fetch_token(
        issuer + "/token",
        authorization_response=response.headers["Location"],
        state=state,
        code_verifier=verifier,
    )


def run_worker() -> None:
    """The real worker, in batch mode: runs every task that is due, then stops."""
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)


def run_worker_until_settled(deadline_seconds: float = 120.0) -> None:
    """Run the worker until no delivery is pending or being sent (retries are due a little later)."""
    from oidc.models import LogoutDelivery

    stop = time.monotonic() + deadline_seconds
    while time.monotonic() < stop:
        run_worker()
        if not LogoutDelivery.objects.filter(status__in=["pending", "sending"]).exists():
            return
        time.sleep(0.05)
    raise AssertionError("deliveries still pending")


def verify_logout_token(token: str, *, issuer: str, client_id: str) -> dict:
    """Back-Channel 2.6, done the way a relying party does it, from discovery's JWKS only."""
    header = jwt.get_unverified_header(token)
    assert header["typ"] == "logout+jwt"  # Back-Channel 2.4 (RFC 8725 3.11 explicit typing)
    metadata = requests.get(issuer + "/.well-known/openid-configuration", timeout=10).json()
    key = jwt.PyJWKClient(metadata["jwks_uri"]).get_signing_key_from_jwt(token)
    claims = jwt.decode(
        token,
        key.key,
        algorithms=metadata["id_token_signing_alg_values_supported"],
        audience=client_id,
        issuer=issuer,
        options={"require": ["iss", "aud", "iat", "exp", "jti", "events"]},
    )
    assert claims["events"] == {BACKCHANNEL_EVENT: {}}
    assert "nonce" not in claims  # 2.4: a logout token must never be taken for an id_token
    assert "sub" in claims or "sid" in claims
    assert 0 < claims["exp"] - claims["iat"] <= 300
    return claims
