"""The full browser sign-in, driven over HTTP by Python threads (wrk cannot follow a multi-step flow):

    GET /authorize -> 302 login page -> GET login (CSRF cookie and form) -> POST username/password
    -> 302 back to /authorize -> 302 to the redirect_uri with a code (consent skipped: first-party client)
    -> POST /token (code + PKCE verifier) -> access_token and id_token

Each sign-in is a fresh browser (a new cookie jar). Latency is that of the whole flow.
"""

import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import requests

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class FlowError(Exception):
    pass


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)


def _expect(response: requests.Response, status: int, step: str) -> requests.Response:
    if response.status_code != status:
        raise FlowError(f"{step}: HTTP {response.status_code}")
    return response


def sign_in_once(base_url: str, info: dict) -> None:
    web = info["web"]
    with requests.Session() as browser:
        query = {
            "client_id": web["client_id"],
            "redirect_uri": info["redirect_uri"],
            "response_type": "code",
            "scope": "openid profile email",
            "state": secrets.token_urlsafe(12),
            "nonce": secrets.token_urlsafe(12),
            "code_challenge": info["code_challenge"],
            "code_challenge_method": "S256",
        }
        r = _expect(
            browser.get(f"{base_url}/authorize?{urlencode(query)}", allow_redirects=False), 302, "authorize"
        )
        login_url = urljoin(base_url, r.headers["Location"])
        page = _expect(browser.get(login_url), 200, "login page")
        token = CSRF_FIELD.search(page.text)
        if token is None:
            raise FlowError("login page: no CSRF field")
        next_url = parse_qs(urlsplit(login_url).query)["next"][0]
        r = browser.post(
            login_url,
            data={
                "csrfmiddlewaretoken": token.group(1),
                "username": info["username"],
                "password": info["password"],
                "next": next_url,
            },
            allow_redirects=False,
        )
        _expect(r, 302, "login")
        r = _expect(
            browser.get(urljoin(base_url, r.headers["Location"]), allow_redirects=False), 302, "resume"
        )
        location = r.headers["Location"]
        if not location.startswith(info["redirect_uri"]):
            raise FlowError(f"resume: redirected to {location[:80]}")
        code = parse_qs(urlsplit(location).query)["code"][0]
        r = browser.post(
            f"{base_url}/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": info["redirect_uri"],
                "code_verifier": info["code_verifier"],
            },
            auth=(web["client_id"], web["client_secret"]),
        )
        if r.status_code != 200 or "id_token" not in r.json():
            raise FlowError(f"token: HTTP {r.status_code}")


def run(base_url: str, info: dict, *, concurrency: int, seconds: float) -> dict:
    """Sign-ins per second, p50/p99 of the whole flow and failed sign-ins, from `concurrency` browsers."""
    tally = Tally()
    deadline = time.monotonic() + seconds

    def browser_loop() -> None:
        while time.monotonic() < deadline:
            started = time.monotonic()
            try:
                sign_in_once(base_url, info)
            except (FlowError, requests.RequestException, KeyError, ValueError) as exc:
                with tally.lock:
                    tally.errors += 1
                    tally.first_error = tally.first_error or str(exc)
                continue
            with tally.lock:
                tally.latencies.append(time.monotonic() - started)

    started = time.monotonic()
    threads = [threading.Thread(target=browser_loop) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    latencies = sorted(tally.latencies)

    def percentile(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000 if latencies else 0.0

    return {
        "rps": len(latencies) / elapsed,
        "requests": len(latencies),
        "p50_ms": percentile(50),
        "p99_ms": percentile(99),
        "errors": tally.errors,
        "first_error": tally.first_error,
    }
