"""Token and revocation endpoints: django-oauth-toolkit's views, driven by PorticoValidator."""

from django.http import HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from oauth2_provider import views as dot_views
from oauth2_provider.oauth2_backends import get_oauthlib_core
from oauth2_provider.signals import app_authorized

from .. import errors, params
from ..constants import GRANT_TYPE_NAMES
from ..dot_private import ISSUED_ACCESS_TOKEN

# Grants the token endpoint answers (implicit has no token request, RFC 6749 4.2).
TOKEN_GRANT_TYPES = frozenset(GRANT_TYPE_NAMES) - {"implicit"}


def malformed_form(request) -> errors.OAuthError | None:
    """What makes a request to the token endpoint family malformed, found before any database lookup."""
    problem = params.form_charset_problem(request)
    if problem:
        return errors.InvalidRequest(problem)
    basic = params.basic_credentials(request.META.get("HTTP_AUTHORIZATION", "")) or b""
    if params.has_nul(request.POST) or b"\x00" in basic or b"%00" in basic:
        return errors.InvalidRequest("Malformed request.")
    repeated = params.repeated(request.POST)
    if repeated:
        return errors.InvalidRequest(
            f"Parameters must not be repeated (RFC 6749 3.2): {', '.join(repeated)}."
        )
    return None


def _basic(request) -> bool:
    return request.META.get("HTTP_AUTHORIZATION", "").lower().startswith("basic")


def refused(request, error: errors.OAuthError) -> JsonResponse:
    """RFC 6749 5.2 at the token endpoint family (and /par, RFC 9126 2.3): JSON with the Basic challenge."""
    return errors.token_response(error, basic_auth=_basic(request))


def _unsupported_grant(request) -> errors.OAuthError | None:
    """RFC 6749 5.2: a grant type this server does not offer (before oauthlib looks for its parameters)."""
    grant_type = request.POST.get("grant_type", "")
    if grant_type and grant_type not in TOKEN_GRANT_TYPES:
        return errors.UnsupportedGrantType(f"grant_type {grant_type[:100]} is not supported here.")
    return None


class TokenView(dot_views.TokenView):
    """RFC 6749 3.2 / Core 3.1.3. Client authentication, code redemption and id_token in the validator."""

    def post(self, request, *args, **kwargs):
        error = malformed_form(request) or _unsupported_grant(request)
        if error is not None:
            return refused(request, error)
        return errors.client_challenge(super().post(request, *args, **kwargs), basic_auth=_basic(request))

    @method_decorator(
        sensitive_post_parameters("password", "client_secret", "code", "refresh_token", "code_verifier")
    )
    def authorization_flow_token_response(self, request, *args, **kwargs):
        """django-oauth-toolkit's, minus its SELECT of the token just written: app_authorized gets the
        instance the validator saved."""
        ISSUED_ACCESS_TOKEN.set(None)
        url, headers, body, status = self.create_token_response(request)
        token = ISSUED_ACCESS_TOKEN.get()
        if status == 200 and token is not None:
            app_authorized.send(sender=self, request=request, token=token)
        response = HttpResponse(content=body, status=status, content_type="application/json")
        for name, value in headers.items():
            response[name] = value
        # Errors raised while saving (e.g. RFC 8707 invalid_target) come back without oauthlib's headers.
        response.setdefault("Cache-Control", "no-store")
        return response


class RevokeView(dot_views.RevokeTokenView):
    """RFC 7009."""

    def post(self, request, *args, **kwargs):
        error = malformed_form(request)
        if error is not None:
            return refused(request, error)
        response = super().post(request, *args, **kwargs)
        if response.status_code == 200 and not response.content:
            # RFC 7009 2.2: the body of a successful revocation is empty; an empty body has no media type
            # (Django's default text/html makes browser libraries such as oidc-client-ts refuse the answer).
            del response["Content-Type"]
        return errors.client_challenge(response, basic_auth=_basic(request))


@method_decorator(csrf_exempt, name="dispatch")
class IntrospectView(View):
    """RFC 7662, answered by oauthlib's introspection endpoint: client authentication through
    PorticoValidator.authenticate_client, the answer from oidc/introspection.py."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        error = malformed_form(request)
        if error is not None:
            return refused(request, error)
        core = get_oauthlib_core()
        uri, method, body, headers = core._extract_params(request)
        headers, body, status = core.server.create_introspect_response(uri, method, body, headers)
        response = HttpResponse(body, status=status)
        for name, value in headers.items():
            response[name] = value
        return errors.client_challenge(response, basic_auth=_basic(request))
