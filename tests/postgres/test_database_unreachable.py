"""PostgreSQL out of reach (connections go to a loopback port where nothing listens): requests are answered
503 with Retry-After, OAuth JSON temporarily_unavailable on the token endpoint family (RFC 6749 5.2) and a
page elsewhere, never a 500; the process keeps serving and recovers as soon as the database is back."""

import socket
from contextlib import contextmanager

import pytest
from django.db import connections
from django.test import Client as Browser

from tests.oauth import assert_oauth_error

# No test transaction around the requests: they reach the database like a deployed process's.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def database_unreachable():
    connection = connections["default"]
    connection.close()
    saved = dict(connection.settings_dict)
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(closed_port()))
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


@pytest.fixture
def http():
    # Errors raised in middleware reach the test client as got_request_exception: see the response instead.
    return Browser(raise_request_exception=False)


TOKEN_FAMILY = [
    ("/token", {"grant_type": "client_credentials", "client_id": "c", "client_secret": "s"}),
    ("/revoke", {"token": "t", "client_id": "c", "client_secret": "s"}),
    ("/introspect", {"token": "t", "client_id": "c", "client_secret": "s"}),
]


@pytest.mark.parametrize(("path", "data"), TOKEN_FAMILY)
def test_token_endpoint_family_answers_temporarily_unavailable(http, path, data):
    with database_unreachable():
        response = http.post(path, data)
    assert response.status_code == 503, response.content[:300]
    assert response["Retry-After"] == "5" and response["Cache-Control"] == "no-store"
    assert response.json() == {
        "error": "temporarily_unavailable",
        "error_description": "The service is temporarily unavailable. Try again in a few seconds.",
    }


def test_userinfo_answers_temporarily_unavailable(http):
    with database_unreachable():
        response = http.get("/userinfo", HTTP_AUTHORIZATION="Bearer some-access-token")
    assert_oauth_error(response, 503, "temporarily_unavailable")
    assert response["Retry-After"] == "5"


def test_a_page_is_a_readable_503_not_a_500(http):
    with database_unreachable():
        response = http.get("/authorize?client_id=abc&response_type=code&scope=openid")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert response["Content-Type"].startswith("text/html")
    assert "temporarily unavailable" in response.content.decode()


def test_a_signed_in_page_fails_the_same_way_when_the_session_cannot_be_read(http):
    """The session is loaded by middleware after this one: the error surfaces before any view runs."""
    http.cookies["portico_session"] = "a" * 32
    with database_unreachable():
        response = http.get("/")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert "temporarily unavailable" in response.content.decode()


def test_health_says_not_ready_but_alive_and_recovers_without_restart(http):
    with database_unreachable():
        ready = http.get("/health/ready")
        live = http.get("/health/live")
    assert ready.status_code == 503 and ready.json() == {"status": "fail", "checks": {"database": "fail"}}
    assert live.status_code == 200
    recovered = http.get("/health/ready")
    assert recovered.status_code == 200 and recovered.json()["status"] == "ok"


def test_the_management_api_answers_json(http):
    with database_unreachable():
        response = http.get("/api/v1/clients", HTTP_AUTHORIZATION="Bearer some-api-token")
    assert_oauth_error(response, 503, "temporarily_unavailable")
    assert response["Retry-After"] == "5"
