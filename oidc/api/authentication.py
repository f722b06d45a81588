"""RFC 6750 bearer authentication for the management API; authorization is the portico:admin scope."""

from rest_framework import authentication, exceptions, permissions

from .. import bearer, conf, errors, scopes
from ..models import AccessToken


class AdminBearerAuthentication(authentication.BaseAuthentication):
    """Looks the reference token up by digest (oidc/bearer.py); request.auth is the AccessToken."""

    def authenticate(self, request):
        token, problem = bearer.extract(request._request)
        if isinstance(problem, errors.MissingToken):
            return None  # the permission check answers 401 without an error code (RFC 6750 3.1)
        if problem is not None or token is None:
            raise exceptions.AuthenticationFailed(errors.InvalidToken.default_description)
        access_token = bearer.lookup(token)
        if access_token is None:
            raise exceptions.AuthenticationFailed(errors.InvalidToken.default_description)
        return (None, access_token)

    def authenticate_header(self, request):
        return f'Bearer realm="{conf.issuer()}"'


class HasAdminScope(permissions.BasePermission):
    """The token must be a management client's own (client_credentials, no user) and carry portico:admin.
    can_manage is checked on every request, so unticking it cuts the client off at once."""

    message = f"The access token does not grant the {scopes.ADMIN} scope."

    def has_permission(self, request, view):
        token = request.auth
        if not isinstance(token, AccessToken):
            raise exceptions.NotAuthenticated(errors.MissingToken.default_description)
        return (
            token.user_id is None
            and token.application is not None
            and token.application.can_manage
            and scopes.ADMIN in token.scope.split()
        )
