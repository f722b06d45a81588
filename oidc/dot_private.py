"""The fence: every override or use of a *private* django-oauth-toolkit or oauthlib name, in one place.

These names are not part of either library's public API and may change in any release. PRIVATE_NAMES
lists them; tests/unit/test_dot_private.py fails loudly when one disappears from the installed version, so
an upgrade cannot silently route around Portico's rules. Each override hands off to a lifecycle module.
"""

from contextvars import ContextVar
from datetime import timedelta

from django.utils import timezone
from oauth2_provider.exceptions import FatalClientError
from oauth2_provider.models import set_token_value
from oauth2_provider.oauth2_backends import OAuthLibCore
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.settings import oauth2_settings
from oauthlib.oauth2.rfc6749.grant_types.authorization_code import AuthorizationCodeGrant

from . import codes, errors, id_tokens, refresh_tokens, resources
from .models import AccessToken, Client, RefreshToken
from .prepared import PreparedInsert, PreparedLookup

PRIVATE_NAMES = {
    OAuth2Validator: (
        "_load_application",
        "_save_bearer_token",
        "_check_and_set_request_resource",
        "_create_access_token",
        "_create_refresh_token",
        "_load_id_token",
    ),
    OAuthLibCore: ("_extract_params",),  # oidc/views/token.py, the introspection view
    AuthorizationCodeGrant: ("_code_challenge_methods",),  # oidc/server.py, S256 only
}

# A client by client_id, active or not (django-oauth-toolkit's _load_application then checks is_usable()).
_CLIENT_BY_ID = PreparedLookup(
    lambda client_id: Client.objects.filter(client_id=client_id).order_by()[:1], reuse_unchanged=True
)
_INSERT_ACCESS_TOKEN = PreparedInsert(AccessToken)

# The access token this request just saved, for the token view's app_authorized signal (so the view does not
# read back by checksum the row it has just written).
ISSUED_ACCESS_TOKEN: ContextVar[AccessToken | None] = ContextVar("portico_issued_access_token", default=None)


class PrivateOverrides(OAuth2Validator):
    def _load_application(self, client_id, request):
        """The client lookup compiled once per connection (oidc/prepared.py); django-oauth-toolkit then checks
        the row it is handed (client_id, is_usable) as its own cached one."""
        if not request.client and isinstance(client_id, str) and client_id and "\x00" not in client_id:
            request.client = _CLIENT_BY_ID.first(client_id)
        return super()._load_application(client_id, request)

    def _save_bearer_token(self, token, request, *args, **kwargs):
        """Refresh rotation without django-oauth-toolkit's two extra reads, and a concurrent second rotation
        refused (oidc/refresh_tokens.py) instead of answered with the empty successor pair that hashed
        storage leaves it."""
        previous = getattr(request, "refresh_token_instance", None)
        if (
            request.grant_type != "refresh_token"
            or not isinstance(previous, RefreshToken)
            or not token.get("refresh_token")
        ):
            return super()._save_bearer_token(token, request, *args, **kwargs)
        if "scope" not in token:
            raise FatalClientError("Failed to renew access token: missing scope")
        self._check_and_set_request_resource(request)
        expires = timezone.now() + timedelta(
            seconds=token.get("expires_in", oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS)
        )
        refresh_tokens.retire(previous)
        request.refresh_token_instance = None
        access_token = self._create_access_token(expires, request, token, source_refresh_token=previous)
        self._create_refresh_token(request, token["refresh_token"], access_token, previous)

    def _check_and_set_request_resource(self, request):
        """RFC 8707 2.2 for a code, against the grant already read by digest (django-oauth-toolkit would read
        it again by the plaintext code, which must not appear in SQL); other grants are its own."""
        if request.grant_type != "authorization_code" or not request.code:
            return super()._check_and_set_request_resource(request)
        grant = codes.find(request.code, request)
        granted = list(grant.resource or []) if grant is not None else []
        try:
            request.resource = resources.narrow(resources.at_token(request), granted)
        except errors.OAuthError as error:
            raise error.to_oauthlib(request) from None

    def _create_access_token(self, expires, request, token, source_refresh_token=None):
        """One prepared INSERT; the token remembers the code it came from (replay revocation, RFC 6749 4.1.2)
        and the claims request (userinfo, Core 5.5)."""
        grant = getattr(request, "portico_grant", None)
        access_token = AccessToken(
            user=request.user,
            scope=token["scope"],
            expires=expires,
            id_token=getattr(request, "id_token", None),
            application=request.client,
            source_refresh_token=source_refresh_token,
            resource=getattr(request, "resource", []),
            grant_code=grant.code if grant is not None and request.grant_type == "authorization_code" else "",
            claims=request.claims if isinstance(getattr(request, "claims", None), dict) else {},
        )
        set_token_value(access_token, token["access_token"])
        _INSERT_ACCESS_TOKEN.save(access_token)
        ISSUED_ACCESS_TOKEN.set(access_token)
        return access_token

    def _create_refresh_token(self, request, refresh_token_code, access_token, previous_refresh_token):
        return refresh_tokens.create(request, refresh_token_code, access_token, previous_refresh_token)

    def _load_id_token(self, token):
        return id_tokens.load(token)
