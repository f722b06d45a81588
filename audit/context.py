"""Who is acting: the request being answered, kept for the audit receivers (signals carry no request).
Outside a request (management commands, the worker) the actor is "system"."""

from contextvars import ContextVar, Token

from django.http import HttpRequest

from accounts.clientinfo import client_ip

_request: ContextVar[HttpRequest | None] = ContextVar("portico_audit_request", default=None)


def current_request() -> HttpRequest | None:
    return _request.get()


def enter(request: HttpRequest) -> Token:
    return _request.set(request)


def leave(token: Token) -> None:
    _request.reset(token)


def actor(request: HttpRequest | None) -> str:
    if request is None:
        return "system"
    token = getattr(request, "auth", None)  # the management API's AccessToken (set by DRF)
    application = getattr(token, "application", None)
    if application is not None:
        return f"client:{application.client_id}"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.get_username()}"
    return "anonymous"


def ip_address(request: HttpRequest | None) -> str | None:
    return client_ip(request) if request is not None else None
