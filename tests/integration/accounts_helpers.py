"""Helpers for the accounts tests: a sign-in through the real login form, reading links out of sent mail."""

import re
import socket

from django.core import mail
from django.core.management import call_command
from django.test import Client as Browser

LINK = re.compile(r"https?://\S+")


def sign_in(browser: Browser, identifier: str, password: str, **extra):
    return browser.post("/login", {"username": identifier, "password": password, **extra})


def last_link(to: str | None = None) -> str:
    message = [m for m in mail.outbox if to is None or to in m.to][-1]
    return LINK.findall(message.body)[0]


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def confirm_email(browser: Browser, link: str):
    """Open a verification link (a page with a button: GET confirms nothing) and press the button."""
    page = browser.get(path_of(link))
    assert page.status_code == 200 and page.context["confirm"], page.content[:300]
    return browser.post("/verify-email", {"token": page.context["token"]})


def run_worker() -> None:
    """The real django-tasks worker, in batch mode: runs every task that is due (account mail), then stops."""
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)


def closed_loopback_port() -> int:
    """A loopback port nothing listens on: connections to it are refused at once."""
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    return port
