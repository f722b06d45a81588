"""Token and revocation endpoints: django-oauth-toolkit's views, driven by PorticoValidator."""

from oauth2_provider import views as dot_views


class TokenView(dot_views.TokenView):
    """RFC 6749 3.2 / Core 3.1.3. Client authentication, code redemption and id_token in the validator."""


class RevokeView(dot_views.RevokeTokenView):
    """RFC 7009."""
