"""Token and revocation endpoints: django-oauth-toolkit's views, driven by PorticoValidator."""

import base64
import binascii

from django.http import HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider import views as dot_views
from oauth2_provider.oauth2_backends import get_oauthlib_core

from ..params import has_nul


def _malformed(request) -> bool:
    """NUL bytes anywhere in the parameters or the Basic credentials: refused before any database lookup."""
    if has_nul(request.POST):
        return True
    scheme, _, credentials = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            return b"\x00" in base64.b64decode(credentials) or "%00" in base64.b64decode(credentials).decode()
        except (binascii.Error, UnicodeDecodeError):
            return False
    return False


def _invalid_request() -> JsonResponse:
    response = JsonResponse(
        {"error": "invalid_request", "error_description": "Malformed request."}, status=400
    )
    response["Cache-Control"] = "no-store"
    return response


class TokenView(dot_views.TokenView):
    """RFC 6749 3.2 / Core 3.1.3. Client authentication, code redemption and id_token in the validator."""

    def post(self, request, *args, **kwargs):
        if _malformed(request):
            return _invalid_request()
        return super().post(request, *args, **kwargs)


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
