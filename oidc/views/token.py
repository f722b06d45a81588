"""Token and revocation endpoints: django-oauth-toolkit's views, driven by PorticoValidator."""

import base64
import binascii

from django.http import HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from oauth2_provider import views as dot_views
from oauth2_provider.oauth2_backends import get_oauthlib_core
from oauth2_provider.signals import app_authorized

from .. import errors
from ..dot_private import ISSUED_ACCESS_TOKEN
from ..params import has_nul


def _malformed(request) -> bool:
    """NUL bytes anywhere in the parameters or the Basic credentials: refused before any database lookup."""
    if has_nul(request.POST):
        return True
    scheme, _, credentials = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credentials)
        except binascii.Error:
            return False
        return b"\x00" in decoded or b"%00" in decoded
    return False


def _invalid_request() -> JsonResponse:
    return errors.token_response(errors.InvalidRequest("Malformed request."))


class TokenView(dot_views.TokenView):
    """RFC 6749 3.2 / Core 3.1.3. Client authentication, code redemption and id_token in the validator."""

    def post(self, request, *args, **kwargs):
        if _malformed(request):
            return _invalid_request()
        return super().post(request, *args, **kwargs)

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
        if _malformed(request):
            return _invalid_request()
        return super().post(request, *args, **kwargs)


@method_decorator(csrf_exempt, name="dispatch")
class IntrospectView(View):
    """RFC 7662, answered by oauthlib's introspection endpoint: client authentication through
    PorticoValidator.authenticate_client, the answer from oidc/introspection.py."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        if _malformed(request):
            return _invalid_request()
        core = get_oauthlib_core()
        uri, method, body, headers = core._extract_params(request)
        headers, body, status = core.server.create_introspect_response(uri, method, body, headers)
        response = HttpResponse(body, status=status)
        for name, value in headers.items():
            response[name] = value
        return response
