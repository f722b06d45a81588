"""The first middleware: every request is timed, counted, logged and tagged with a request id, and a database
that cannot be reached becomes a 503 with Retry-After instead of a 500 (RFC 6749 5.2 temporarily_unavailable
on the machine endpoints and the management API, a page elsewhere). The process stays up and the next request
tries again. Only connection-level failures count: any other database error (a deadlock, a statement timeout, a
missing table) is a bug or an overload to see, and takes the ordinary 500 path."""

import logging
import sys
import time

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve

from oidc import errors

from . import metrics, requestlog

# The token endpoint family: clients expect RFC 6749 5.2 JSON here, never a page.
JSON_ROUTES = frozenset(
    {
        "oidc:token",
        "oidc:revoke",
        "oidc:introspect",
        "oidc:userinfo",
        "oidc:pushed-authorization-request",
        "oidc:register",
        "oidc:client-configuration",
        "oidc:jwks",
        "oidc:configuration",
    }
)
# PostgreSQL SQLSTATEs (Appendix A) that mean the server cannot be used right now: class 08 (connection
# exception) by prefix; admin/crash shutdown, cannot connect now, too many connections.
UNREACHABLE_STATES = frozenset({"57P01", "57P02", "57P03", "53300"})
# SQLite's equivalents: another writer holds the file, or the file cannot be opened.
UNREACHABLE_MESSAGES = ("database is locked", "unable to open")
RETRY_AFTER = "5"
# Metric labels come from a bounded set: any other method a client invents is counted as "other".
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNAVAILABLE = "The service is temporarily unavailable. Try again in a few seconds."
logger = logging.getLogger("portico.database")


def unreachable(exception: BaseException | None) -> bool:
    """Whether a database error means the database cannot be reached (then 503), not that a query failed."""
    if isinstance(exception, InterfaceError):
        return True
    if not isinstance(exception, OperationalError):
        return False
    cause = exception.__cause__ or exception
    if hasattr(cause, "sqlstate"):  # psycopg: a failed connection has no SQLSTATE
        state = cause.sqlstate
        return state is None or state.startswith("08") or state in UNREACHABLE_STATES
    message = str(cause).lower()
    return any(text in message for text in UNREACHABLE_MESSAGES)


def route_of(request) -> str:
    """The URL pattern's name (a bounded label set), resolved again only when the request never got that far."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return "unmatched"
    return match.view_name or "unnamed"


def unavailable(request, exception: Exception) -> HttpResponse:
    metrics.DATABASE_ERRORS.labels(kind=type(exception).__name__).inc()
    logger.error("Database unreachable: %s", type(exception).__name__, exc_info=exception)
    error = errors.TemporarilyUnavailable(UNAVAILABLE)
    response: HttpResponse
    route = route_of(request)
    if route in JSON_ROUTES or route.startswith("api:"):
        response = errors.token_response(error)
    else:
        # Rendered without the request: context processors would reach for the session and the user, which
        # live in the database that just failed.
        body = render_to_string("ops/unavailable.html", {"error": error.error})
        response = HttpResponse(body, status=error.status)
    response["Retry-After"] = RETRY_AFTER
    return response


@receiver(got_request_exception, dispatch_uid="ops.database_unreachable")
def _note_database_error(sender, request=None, **kwargs):
    """A database error raised by a later middleware (sessions, cache) became a 500 before this middleware saw
    it: keep it, so the response can be replaced."""
    exception = sys.exc_info()[1]
    if request is not None and unreachable(exception):
        request.portico_database_error = exception


class OperationsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        rid = requestlog.request_id(request)
        request.portico_request_id = rid
        response = self.get_response(request)
        failure = getattr(request, "portico_database_error", None)
        if failure is not None and response.status_code == 500:
            response = unavailable(request, failure)
        duration = time.perf_counter() - started
        route = route_of(request)
        status = str(response.status_code)
        method = request.method if request.method in METHODS else "other"
        metrics.observe_request(route, method, status, duration)
        requestlog.log(request, response, route=route, duration=duration, rid=rid)
        response["X-Request-ID"] = rid
        return response

    def process_exception(self, request, exception):
        """A database error raised by a view (every view's exceptions reach here, the machine endpoints' too)."""
        if unreachable(exception):
            return unavailable(request, exception)
        return None
