"""Each integration guide (docs/integrations/) as written: its registration command is run, its library
configuration is executed by a relying party of its own (tests/browser/rps/), and a person signs in
through that relying party in chromium, on the library's defaults apart from URLs and credentials."""

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.guides import GUIDES, register

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def django_site(tmp_path):
    """Start tests/browser/rps/django_site.py for a guide; stopped after the test."""
    started: list[subprocess.Popen] = []

    def start(guide: Path, port: int, env: dict) -> str:
        log = open(tmp_path / "site.log", "w")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "tests/browser/rps/django_site.py"),
                str(guide),
                str(port),
                str(tmp_path / "site.sqlite3"),
            ],
            cwd=tmp_path,
            env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append(process)
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):  # until it answers (migrations first), or it has exited
            if process.poll() is not None:
                raise AssertionError((tmp_path / "site.log").read_text())
            try:
                requests.get(base + "/", timeout=2)
                return base
            except requests.ConnectionError:
                time.sleep(0.1)
        raise AssertionError("the relying party did not start: " + (tmp_path / "site.log").read_text())

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=10)


def test_mozilla_django_oidc_guide_signs_in_and_out(
    live_server, issuer_at, page, shot, make_user, django_site
):
    issuer = issuer_at(live_server.url)
    guide = GUIDES / "mozilla-django-oidc.md"
    port = free_port()
    app = f"http://127.0.0.1:{port}"
    registered = register(guide, app)
    site = django_site(
        guide,
        port,
        {
            "PORTICO_ISSUER": issuer,
            "OIDC_RP_CLIENT_ID": registered["client_id"],
            "OIDC_RP_CLIENT_SECRET": registered["client_secret"],
        },
    )
    user = make_user(email="ada@example.org", email_verified=True)

    page.goto(site + "/")
    page.get_by_role("link", name="Sign in with Portico").click()
    page.get_by_label("Username or email").fill(user.username)
    page.get_by_label("Password").fill(user.raw_password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("button", name="Allow").click()  # the site is a third-party client: consent
    page.wait_for_url(site + "/")
    shot("signed-in")
    assert page.inner_text("#who") == "signed in as ada@example.org"

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(site + "/")
    assert page.inner_text("#who") == "anonymous"


def test_django_allauth_guide_signs_in_and_out(live_server, issuer_at, page, shot, make_user, django_site):
    issuer = issuer_at(live_server.url)
    guide = GUIDES / "django-allauth.md"
    port = free_port()
    registered = register(guide, f"http://127.0.0.1:{port}")
    site = django_site(
        guide,
        port,
        {
            "PORTICO_ISSUER": issuer,
            "PORTICO_CLIENT_ID": registered["client_id"],
            "PORTICO_CLIENT_SECRET": registered["client_secret"],
        },
    )
    user = make_user(email="grace@example.org", email_verified=True)

    page.goto(site + "/")
    page.get_by_role("link", name="Sign in with Portico").click()
    page.get_by_role("button", name="Continue").click()  # allauth's confirmation (login CSRF)
    page.get_by_label("Username or email").fill(user.username)
    page.get_by_label("Password").fill(user.raw_password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(site + "/")
    shot("signed-in")
    assert page.inner_text("#who") == "signed in as grace@example.org"

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(site + "/")
    assert page.inner_text("#who") == "anonymous"
