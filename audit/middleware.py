"""Keeps the request being answered for the audit receivers, and records the management API's changing calls
(one row per authenticated POST, PUT, PATCH or DELETE: who, which route, which object, the status). Calls
without valid credentials are not recorded: anyone could fill the log with them."""

from . import context
from .record import record

MAX_KWARG = 200  # the length of AuditEvent.target_id: URL parts are whatever the caller sent


class AuditContextMiddleware:
    """Keeps the request for the receivers, and records the management API's changing calls."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = context.enter(request)
        try:
            response = self.get_response(request)
        finally:
            context.leave(token)
        match = getattr(request, "resolver_match", None)
        if (
            match is not None
            and match.namespace == "api"
            and request.method not in ("GET", "HEAD", "OPTIONS")
            and getattr(request, "auth", None) is not None  # set by DRF's authentication, on this request too
        ):
            record(
                "api_call",
                request=request,
                target_type="api",
                target_id=match.view_name,
                method=request.method,
                status=response.status_code,
                **{key: str(value)[:MAX_KWARG] for key, value in match.kwargs.items()},
            )
        return response
