"""The per-request log line (ops/requestlog.py): its fields, and no secret in anything logged while a code
is exchanged for tokens, the tokens are used and refreshed."""

import json
import logging

import pytest
from django.test import Client as Browser

from ops.requestlog import JsonFormatter
from tests.integration.helpers import REDIRECT, basic, exchange, get_code, refresh

pytestmark = pytest.mark.django_db


def lines(caplog) -> list[str]:
    formatter = JsonFormatter()
    return [formatter.format(record) for record in caplog.records]


def request_lines(caplog) -> list[dict]:
    return [json.loads(line) for line in lines(caplog) if '"logger":"portico.requests"' in line]


def test_a_token_request_is_one_json_line_with_its_fields(caplog, browser, make_client):
    rp, secret = make_client()
    code, verifier = get_code(browser, rp)
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
    }
    response = Browser().post("/token", data, HTTP_X_REQUEST_ID="req-42", **basic(rp.client_id, secret))
    assert response.status_code == 200 and response["X-Request-ID"] == "req-42"
    [line] = [line for line in request_lines(caplog) if line["route"] == "oidc:token"]
    assert set(line) == {
        "time",
        "level",
        "logger",
        "request_id",
        "method",
        "route",
        "status",
        "duration_ms",
        "client_id",
    }
    assert line["request_id"] == "req-42" and line["method"] == "POST" and line["route"] == "oidc:token"
    assert line["status"] == 200 and line["client_id"] == rp.client_id  # from HTTP Basic, secret dropped
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0


def test_nothing_logged_around_a_token_request_holds_a_secret(caplog, browser, make_client):
    """Code, PKCE verifier, client secret, access/refresh/id tokens and the session cookie never reach a log
    line, whatever the level."""
    caplog.set_level(logging.DEBUG)
    rp, secret = make_client()
    code, verifier = get_code(browser, rp)
    body = exchange(Browser(), code, client=rp, secret=secret, verifier=verifier).json()
    Browser().get("/userinfo", HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    refreshed = refresh(rp, secret, body["refresh_token"]).json()
    Browser().post("/revoke", {"token": refreshed["access_token"]}, **basic(rp.client_id, secret))
    # A failed attempt logs too: the wrong secret and replayed code must not appear either.
    exchange(Browser(), code, client=rp, secret="wrong-" + secret, verifier=verifier)
    secrets = {
        "client secret": secret,
        "code": code,
        "code_verifier": verifier,
        "access_token": body["access_token"],
        "refresh_token": body["refresh_token"],
        "id_token": body["id_token"],
        "refreshed access_token": refreshed["access_token"],
        "refreshed refresh_token": refreshed["refresh_token"],
        "session cookie": browser.cookies["portico_session"].value,
    }
    logged = "\n".join(lines(caplog) + [record.getMessage() for record in caplog.records])
    assert len(request_lines(caplog)) >= 5
    assert [name for name, value in secrets.items() if value and value in logged] == []
