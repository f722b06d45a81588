"""Token and revocation endpoints: django-oauth-toolkit's views, driven by PorticoValidator."""

import base64
import binascii

from django.http import JsonResponse
from oauth2_provider import views as dot_views

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
