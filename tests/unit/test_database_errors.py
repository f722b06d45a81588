"""Which database errors mean "the database cannot be reached" (ops/middleware.py: a 503 with Retry-After) and
which are an ordinary failure that takes the 500 path: a deadlock or a missing table must be seen, not hidden
behind "try again"."""

import json
import logging
import sqlite3

import psycopg
import pytest
from django.db import InterfaceError, OperationalError
from django.test import RequestFactory

from ops.middleware import OperationsMiddleware, unreachable


def wrapped(cause: Exception) -> OperationalError:
    """What Django raises: its own OperationalError, the driver's error as the cause."""
    error = OperationalError(str(cause))
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    "cause",
    [
        psycopg.OperationalError("connection failed: Connection refused"),  # no SQLSTATE
        psycopg.errors.ConnectionFailure(),  # 08006
        psycopg.errors.AdminShutdown(),  # 57P01
        psycopg.errors.CannotConnectNow(),  # 57P03
        psycopg.errors.TooManyConnections(),  # 53300
        sqlite3.OperationalError("database is locked"),
        sqlite3.OperationalError("unable to open database file"),
    ],
)
def test_connection_level_errors_are_unreachable(cause):
    assert unreachable(wrapped(cause))


@pytest.mark.parametrize(
    "cause",
    [
        psycopg.errors.DeadlockDetected(),  # 40P01
        psycopg.errors.QueryCanceled(),  # 57014, statement timeout
        sqlite3.OperationalError("no such table: oidc_newthing"),
    ],
)
def test_query_level_errors_are_not(cause):
    assert not unreachable(wrapped(cause))
    assert not unreachable(OperationalError(str(cause)))


def test_a_closed_connection_is_unreachable():
    assert unreachable(InterfaceError("connection already closed"))
    assert not unreachable(ValueError("database is locked"))


def middleware() -> OperationsMiddleware:
    return OperationsMiddleware(lambda request: None)


def test_a_query_error_goes_to_the_500_path():
    request = RequestFactory().get("/api/v1/clients")
    assert middleware().process_exception(request, wrapped(psycopg.errors.DeadlockDetected())) is None


def test_unreachable_is_logged_and_the_management_api_gets_json(caplog):
    request = RequestFactory().get("/api/v1/clients")
    with caplog.at_level(logging.ERROR, logger="portico.database"):
        response = middleware().process_exception(request, wrapped(psycopg.errors.AdminShutdown()))
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert json.loads(response.content)["error"] == "temporarily_unavailable"
    [record] = [r for r in caplog.records if r.name == "portico.database"]
    assert record.levelno == logging.ERROR and record.exc_info is not None
