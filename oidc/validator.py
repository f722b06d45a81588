"""django-oauth-toolkit's validator as a switchboard: each override is a few lines handing off to the module
that owns the rule. Overrides of django-oauth-toolkit's *private* methods live in oidc/dot_private.py.

oauthlib's call order, and where each answer comes from:

Authorization endpoint (GET /authorize, validated before the person is asked anything)
  validate_client_id, validate_redirect_uri (Client.redirect_uri_allowed -> oidc/redirect_uris.py),
  get_default_redirect_uri, validate_response_type, is_pkce_required (oidc/pkce.py), validate_scopes
  (oidc/scopes.py), validate_silent_login / validate_silent_authorization (decided by the pipeline,
  oidc/authorize/), then on issue: save_authorization_code (oidc/codes.py), finalize_id_token
  (oidc/id_tokens.py) for implicit and hybrid responses.
Token endpoint (POST /token)
  client_authentication_required, authenticate_client (oidc/client_auth.py) or authenticate_client_id,
  validate_grant_type;
  authorization_code: validate_code (oidc/codes.py: consumed, PKCE downgrade), confirm_redirect_uri,
  get_code_challenge(_method) (PKCE verified by oauthlib, S256 only: oidc/server.py),
  get_authorization_code_scopes / _nonce;
  refresh_token: validate_refresh_token (oidc/refresh_tokens.py: every reuse detection);
  then save_bearer_token (refresh tokens only where allowed, rotation) and finalize_id_token.
Introspection: authenticate_client, introspect_token (oidc/introspection.py).
"""

from oauth2_provider.oauth2_validators import OAuth2Validator
from oauthlib.oauth2.rfc6749.errors import UnauthorizedClientError

from . import client_auth, codes, errors, id_tokens, introspection, pkce, refresh_tokens, resources, scopes
from .dot_private import PrivateOverrides
from .models import Client, RefreshToken


def scopes_grant_refresh(granted) -> bool:
    """Core 11: an OpenID Connect sign-in gets a refresh token only with offline_access (which needed
    consent, oidc/authorize/); plain OAuth requests follow the client's grant types."""
    return "openid" not in granted or "offline_access" in granted


class PorticoValidator(PrivateOverrides, OAuth2Validator):
    # ---- clients -------------------------------------------------------------------------------------
    def authenticate_client(self, request, *args, **kwargs):
        # One method, the registered one (OIDC Registration 2, RFC 7591 2): see oidc/client_auth.py.
        client = client_auth.authenticate(request)  # or invalid_client saying why
        request.client, request.client_id = client, client.client_id
        return True

    def client_authentication_required(self, request, *args, **kwargs):
        if client_auth.presents_credentials(request):
            return True
        return super().client_authentication_required(request, *args, **kwargs)

    def authenticate_client_id(self, client_id, request, *args, **kwargs):
        """Public clients (token_endpoint_auth_method none) identify themselves by client_id alone."""
        client = self._load_application(client_id, request)
        if client is None or client.token_endpoint_auth_method != "none":
            client_auth.refuse_missing(request, client_id)  # invalid_client saying what to send
        return True

    def introspect_token(self, token, token_type_hint, request, *args, **kwargs):
        return introspection.describe(token, token_type_hint, request.client)

    # ---- the authorization request --------------------------------------------------------------------
    def is_pkce_required(self, client_id, request):
        client = (
            request.client
            if isinstance(request.client, Client)
            else self._load_application(client_id, request)
        )
        return pkce.is_required(client)

    def validate_response_type(self, client_id, response_type, client, request, *args, **kwargs):
        """OAuth 2.0 Multiple Response Types 3: the order of space-separated values does not matter."""
        wanted = frozenset(response_type.split())
        if any(wanted == frozenset(registered.split()) for registered in client.response_types):
            return True
        registered = ", ".join(client.response_types) or "none"
        raise UnauthorizedClientError(
            description=f"This client is not registered for response_type {response_type[:50]} "
            f"(its response_types: {registered}).",
            request=request,
        )

    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kwargs):
        if grant_type in client.grant_types:
            return True
        raise UnauthorizedClientError(
            description=f"This client is not registered for the {grant_type} grant "
            f"(its grant_types: {', '.join(client.grant_types) or 'none'}).",
            request=request,
        )

    def get_default_redirect_uri(self, client_id, request, *args, **kwargs):
        """Core 3.1.2.1: redirect_uri is REQUIRED in OpenID Connect requests; only plain OAuth 2.0 requests
        may fall back to a single registered URI (RFC 6749 3.1.2.3)."""
        if "openid" in (request.scope or "").split():
            return None
        return super().get_default_redirect_uri(client_id, request, *args, **kwargs)

    def validate_scopes(self, client_id, scopes_, client, request, *args, **kwargs):
        """RFC 6749 3.3: the admin scope only for a management client's own client_credentials token. A client
        acting for itself (RFC 6749 4.4) gets no openid: there is no person to sign in (Core 3.1.2.1)."""
        if request.grant_type == "client_credentials" and "openid" in scopes_:
            request.scopes = scopes_ = [s for s in scopes_ if s != "openid"]
        if scopes.admin_requested(scopes_):
            if not scopes.may_request_admin(client, request.grant_type):
                return False
            scopes_ = [s for s in scopes_ if s != scopes.ADMIN]
        return super().validate_scopes(client_id, scopes_, client, request, *args, **kwargs)

    def validate_silent_login(self, request):
        return True  # prompt=none is decided by the authorization pipeline, which sees the browser session

    def validate_silent_authorization(self, request):
        return True

    # ---- authorization codes: oidc/codes.py --------------------------------------------------------------
    def save_authorization_code(self, client_id, code, request, *args, **kwargs):
        codes.save(code["code"], request, resources=resources.on_request(request))

    def validate_code(self, client_id, code, client, request, *args, **kwargs):
        return codes.redeem(code, client, request)

    def invalidate_authorization_code(self, client_id, code, request, *args, **kwargs):
        """Already consumed by codes.redeem, before anything was minted."""

    def confirm_redirect_uri(self, client_id, code, redirect_uri, client, *args, **kwargs):
        request = kwargs.get("request") or (args[0] if args else None)
        return codes.confirm_redirect_uri(code, redirect_uri, client, request)

    def get_code_challenge(self, code, request):
        grant = codes.find(code, request)
        return (grant.code_challenge or None) if grant else None

    def get_code_challenge_method(self, code, request):
        grant = codes.find(code, request)
        return (grant.code_challenge_method or None) if grant else None

    def get_authorization_code_scopes(self, client_id, code, redirect_uri, request):
        grant = codes.find(code, request)
        return grant.scope.split() if grant else []

    def get_authorization_code_nonce(self, client_id, code, redirect_uri, request):
        grant = codes.find(code, request)
        return (grant.nonce or None) if grant else None

    # ---- tokens: oidc/refresh_tokens.py, oidc/id_tokens.py ----------------------------------------------
    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs):
        return refresh_tokens.validate(refresh_token, client, request)

    def save_bearer_token(self, token, request, *args, **kwargs):
        # Refresh tokens only for clients registered for the refresh_token grant (RFC 6749 1.5, 6).
        if "refresh_token" not in request.client.grant_types or not scopes_grant_refresh(request.scopes):
            token.pop("refresh_token", None)
        if request.grant_type == "client_credentials" and "refresh_token" not in token:
            # A single INSERT is atomic by itself; the transaction would only add BEGIN/COMMIT round trips.
            return self._save_bearer_token(token, request, *args, **kwargs)
        try:
            return super().save_bearer_token(token, request, *args, **kwargs)
        except refresh_tokens.RotatedMeanwhile as replay:
            # Outside the rolled-back transaction: the whole chain goes, as for any reuse (RFC 9700 4.14.2).
            if replay.family:
                RefreshToken.revoke_family(replay.family)
            raise errors.InvalidGrant("The refresh token has already been used.").to_oauthlib(
                request
            ) from None

    def finalize_id_token(self, id_token, token, token_handler, request):
        return id_tokens.assemble(id_token, token, request)
