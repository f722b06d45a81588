"""Response headers for every page, and the short middleware path of the machine endpoints."""

import functools
import inspect

from django.conf import settings
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, reverse
from django.utils.module_loading import import_string

CSP = (
    "default-src 'self'; img-src 'self' https: data:; style-src 'self'; script-src 'self'; "
    "form-action 'self' http: https:; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)

# Endpoints called by clients and resource servers, never by a person's browser session: they authenticate
# clients and bearer tokens, read no cookie, session, message or page language, and are CSRF-exempt.
MACHINE_ENDPOINTS = (
    "oidc:token",
    "oidc:pushed-authorization-request",
    "oidc:revoke",
    "oidc:introspect",
    "oidc:userinfo",
    "oidc:register",
    "oidc:configuration",
    "oidc:jwks",
    # Operations: load-balancer health checks and metrics scrapes.
    "ops:live",
    "ops:ready",
    "ops:metrics",
)


class ContentSecurityPolicyMiddleware:
    """Content-Security-Policy for every response: self-hosted assets only, never framed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CSP)
        return response


@functools.lru_cache(maxsize=8)
def _machine_paths(script_prefix: str) -> tuple[frozenset[str], str]:
    """path_info of each machine endpoint (reverse() adds the script prefix; path_info has none)."""

    def path_info(url: str) -> str:
        return "/" + url[len(script_prefix) :]

    exact = frozenset(path_info(reverse(name)) for name in MACHINE_ENDPOINTS)
    configuration = path_info(reverse("oidc:client-configuration", args=["x"]))[:-1]  # RFC 7592 URLs
    return exact, configuration


@receiver(setting_changed)
def _urls_changed(*, setting, **kwargs):
    if setting in ("ROOT_URLCONF", "FORCE_SCRIPT_NAME"):
        _machine_paths.cache_clear()


def _view_handler(handler):
    """The innermost handler of a middleware chain built by Django's BaseHandler.load_middleware: each layer
    is convert_exception_to_response (functools.wraps: __wrapped__) around a middleware (get_response)."""
    for _ in range(100):
        if inspect.ismethod(handler) and isinstance(handler.__self__, BaseHandler):
            return handler
        handler = getattr(handler, "__wrapped__", None) or handler.get_response
    raise RuntimeError("MachineEndpointsMiddleware: no view handler at the end of the middleware chain")


class MachineEndpointsMiddleware:
    """Placed right after SecurityMiddleware. Requests to the machine endpoints skip the rest of MIDDLEWARE and
    go through PORTICO_MACHINE_MIDDLEWARE (framing and CSP headers) to the view: sessions, languages, CSRF
    cookies, authentication and messages are browser concerns, and cost a fifth of a token request's time.
    Django still resolves the URL and runs the views' own decorators (csrf_exempt)."""

    def __init__(self, get_response):
        self.get_response = get_response
        handler = convert_exception_to_response(_view_handler(get_response))
        for path in reversed(settings.PORTICO_MACHINE_MIDDLEWARE):
            handler = convert_exception_to_response(import_string(path)(handler))
        self.machine_response = handler

    def __call__(self, request):
        exact, configuration = _machine_paths(get_script_prefix())
        path = request.path_info
        if path in exact or path.startswith(configuration):
            request.get_host()  # ALLOWED_HOSTS, as CommonMiddleware checks it for every other request
            return self.machine_response(request)
        return self.get_response(request)
