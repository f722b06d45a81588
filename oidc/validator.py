"""django-oauth-toolkit's validator, switched over to Portico's rules. Each override hands off to a small
module (pkce, grants, tokens, keys, claims); no protocol logic of substance lives here."""

import json
import time
import uuid
from contextvars import ContextVar
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from oauth2_provider.exceptions import FatalClientError
from oauth2_provider.models import refresh_token_expire_timedelta, revoke_access_token, set_token_value
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.settings import oauth2_settings
from oauthlib.oauth2.rfc6749 import errors

from . import claims, client_auth, conf, introspection, pkce, scopes, subjects, tokens
from .models import AccessToken, Client, Grant, IDToken, RefreshToken
from .prepared import PreparedInsert, PreparedLookup
from .secrets import digest


def scopes_grant_refresh(granted) -> bool:
    """Core 11: an OpenID Connect sign-in gets a refresh token only with offline_access (which needed
    consent, oidc/views/authorize.py); plain OAuth requests follow the client's grant types."""
    return "openid" not in granted or "offline_access" in granted


def _claims_request(request) -> dict:
    return request.claims if isinstance(getattr(request, "claims", None), dict) else {}


def _normalise_response_type(value: str) -> frozenset[str]:
    """OAuth 2.0 Multiple Response Types 3: the order of space-separated values does not matter."""
    return frozenset(value.split())


def _resources(request) -> list[str]:
    resource = getattr(request, "resource", None)
    if isinstance(resource, str):
        return [resource] if resource.strip() else []
    return [str(r) for r in resource] if isinstance(resource, list) else []


# Token rows are the hot path's writes: their INSERT is written once (oidc/prepared.py).
_INSERT_ACCESS_TOKEN = PreparedInsert(AccessToken)
_INSERT_REFRESH_TOKEN = PreparedInsert(RefreshToken)
_INSERT_ID_TOKEN = PreparedInsert(IDToken)

# django-oauth-toolkit's refresh-token lookup (validate_refresh_token): the row for this checksum, the unrevoked
# one first, with its access token (and, through RefreshToken's manager, its user and client).
_REFRESH_BY_CHECKSUM = PreparedLookup(
    lambda checksum: (
        RefreshToken.objects.filter(token_checksum=checksum)
        .select_related("access_token")
        .order_by(F("revoked").desc(nulls_first=True))[:1]
    )
)


class _RotatedMeanwhile(Exception):
    """The refresh token was rotated by a concurrent request after this one validated it."""

    def __init__(self, family) -> None:
        self.family = family


# A client by client_id, active or not (django-oauth-toolkit's _load_application then checks is_usable()).
_CLIENT_BY_ID = PreparedLookup(
    lambda client_id: Client.objects.filter(client_id=client_id).order_by()[:1], reuse_unchanged=True
)

# An authorization code's row, with its user, by the digest of the code.
_GRANT_BY_DIGEST = PreparedLookup(
    lambda code: Grant.objects.select_related("user").filter(code=code).order_by()[:1]
)

# The access token this request just saved, for the token view's app_authorized signal (so the view does not
# read back by checksum the row it has just written).
ISSUED_ACCESS_TOKEN: ContextVar[AccessToken | None] = ContextVar("portico_issued_access_token", default=None)


class PorticoValidator(OAuth2Validator):
    # ---- clients -------------------------------------------------------------------------------------

    def authenticate_client(self, request, *args, **kwargs):
        # One method, the registered one (OIDC Registration 2, RFC 7591 2): see oidc/client_auth.py.
        client = client_auth.authenticate(request)
        if client is None:
            return False
        request.client, request.client_id = client, client.client_id
        return True

    def _load_application(self, client_id, request):
        """django-oauth-toolkit's, with the lookup compiled once per connection: the row found is handed to it
        as the request's client, which it then checks (client_id, is_usable) as its own cached one."""
        if not request.client and isinstance(client_id, str) and client_id and "\x00" not in client_id:
            request.client = _CLIENT_BY_ID.first(client_id)
        return super()._load_application(client_id, request)

    def client_authentication_required(self, request, *args, **kwargs):
        if client_auth.presents_credentials(request):
            return True
        return super().client_authentication_required(request, *args, **kwargs)

    def authenticate_client_id(self, client_id, request, *args, **kwargs):
        """Public clients (token_endpoint_auth_method none) identify themselves by client_id alone."""
        client = self._load_application(client_id, request)
        return client is not None and client.token_endpoint_auth_method == "none"

    def introspect_token(self, token, token_type_hint, request, *args, **kwargs):
        return introspection.describe(token, token_type_hint, request.client)

    def is_pkce_required(self, client_id, request):
        client = (
            request.client
            if isinstance(request.client, Client)
            else self._load_application(client_id, request)
        )
        return pkce.is_required(client)

    def validate_response_type(self, client_id, response_type, client, request, *args, **kwargs):
        wanted = _normalise_response_type(response_type)
        return any(wanted == _normalise_response_type(rt) for rt in client.response_types)

    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kwargs):
        return grant_type in client.grant_types

    def get_default_redirect_uri(self, client_id, request, *args, **kwargs):
        """Core 3.1.2.1: redirect_uri is REQUIRED in OpenID Connect requests; only plain OAuth 2.0 requests
        may fall back to a single registered URI (RFC 6749 3.1.2.3)."""
        if "openid" in (request.scope or "").split():
            return None
        return super().get_default_redirect_uri(client_id, request, *args, **kwargs)

    def validate_scopes(self, client_id, scopes_, client, request, *args, **kwargs):
        """RFC 6749 3.3: the admin scope only for a management client's own client_credentials token."""
        if scopes.admin_requested(scopes_):
            if not scopes.may_request_admin(client, request.grant_type):
                return False
            scopes_ = [s for s in scopes_ if s != scopes.ADMIN]
        return super().validate_scopes(client_id, scopes_, client, request, *args, **kwargs)

    def validate_silent_login(self, request):
        # prompt=none is decided by the authorization view, which sees the browser session.
        return True

    def validate_silent_authorization(self, request):
        return True

    # ---- authorization codes: stored as digests, consumed before anything is minted -----------------

    def _grant(self, code, request) -> Grant | None:
        cached = getattr(request, "portico_grant", None)
        if cached is not None and cached.code == digest(code):
            return cached
        grant = _GRANT_BY_DIGEST.first(digest(code))
        request.portico_grant = grant
        return grant

    def save_authorization_code(self, client_id, code, request, *args, **kwargs):
        Grant.objects.create(
            application=request.client,
            user=request.user,
            code=digest(code["code"]),
            expires=timezone.now() + timedelta(seconds=conf.code_ttl()),
            redirect_uri=request.redirect_uri,
            scope=" ".join(request.scopes),
            code_challenge=request.code_challenge or "",
            code_challenge_method=request.code_challenge_method or "",
            nonce=request.nonce or "",
            claims=json.dumps(request.claims or {}),
            auth_time=getattr(request, "auth_time", None),
            sid=getattr(request, "sid", "") or "",
            acr=getattr(request, "acr", "") or "",
            amr=getattr(request, "amr", None) or [],
            resource=_resources(request),  # RFC 8707: what the token request may narrow, never widen
        )

    def validate_code(self, client_id, code, client, request, *args, **kwargs):
        grant = self._grant(code, request)
        if grant is None or grant.application_id != client.pk:
            return False
        if not grant.user.is_active:
            return False  # a person disabled between consent and redemption gets nothing
        if grant.redeemed_at is not None:
            # RFC 6749 4.1.2: a replayed code revokes the tokens its first use issued.
            self._revoke_tokens_from(grant)
            return False
        if grant.is_expired():
            return False
        # Consume before minting: the conditional UPDATE lets exactly one concurrent request through.
        if not Grant.objects.filter(pk=grant.pk, redeemed_at__isnull=True).update(redeemed_at=timezone.now()):
            return False
        problem = pkce.downgrade_error(
            challenge_stored=bool(grant.code_challenge), verifier_sent=request.code_verifier is not None
        )
        if problem:
            raise errors.InvalidGrantError(description=problem, request=request)
        request.scopes = grant.scope.split()
        request.user = grant.user
        request.nonce = grant.nonce or None
        request.claims = json.loads(grant.claims) if grant.claims else None
        request.auth_time = grant.auth_time
        request.sid = grant.sid
        request.acr = grant.acr
        request.amr = grant.amr
        return True

    def _revoke_tokens_from(self, grant: Grant) -> None:
        with transaction.atomic():
            for access_token in AccessToken.objects.filter(grant_code=grant.code):
                refresh = RefreshToken.objects.filter(access_token=access_token).first()
                if refresh is not None and refresh.token_family:
                    RefreshToken.revoke_family(refresh.token_family)
                revoke_access_token(access_token)

    def invalidate_authorization_code(self, client_id, code, request, *args, **kwargs):
        """Already consumed in validate_code."""

    def confirm_redirect_uri(self, client_id, code, redirect_uri, client, *args, **kwargs):
        """RFC 6749 4.1.3: identical to the redirect_uri of the authorization request."""
        request = kwargs.get("request") or (args[0] if args else None)
        grant = self._grant(code, request) if request is not None else None
        if grant is None:
            grant = Grant.objects.filter(code=digest(code), application=client).first()
        if grant is None or redirect_uri is None or grant.redirect_uri != redirect_uri:
            # RFC 6749 5.2 names this invalid_grant (oauthlib would answer invalid_request).
            raise errors.InvalidGrantError(
                description="redirect_uri does not match the one in the authorization request",
                request=request,
            )
        return True

    def get_code_challenge(self, code, request):
        grant = self._grant(code, request)
        return (grant.code_challenge or None) if grant else None

    def get_code_challenge_method(self, code, request):
        grant = self._grant(code, request)
        return (grant.code_challenge_method or None) if grant else None

    def get_authorization_code_scopes(self, client_id, code, redirect_uri, request):
        grant = self._grant(code, request)
        return grant.scope.split() if grant else []

    def get_authorization_code_nonce(self, client_id, code, redirect_uri, request):
        grant = self._grant(code, request)
        return (grant.nonce or None) if grant else None

    def save_bearer_token(self, token, request, *args, **kwargs):
        # Refresh tokens only for clients registered for the refresh_token grant (RFC 6749 1.5, 6).
        if "refresh_token" not in request.client.grant_types or not scopes_grant_refresh(request.scopes):
            token.pop("refresh_token", None)
        if request.grant_type == "client_credentials" and "refresh_token" not in token:
            # A single INSERT is atomic by itself; the transaction would only add BEGIN/COMMIT round trips.
            return self._save_bearer_token(token, request, *args, **kwargs)
        try:
            return super().save_bearer_token(token, request, *args, **kwargs)
        except _RotatedMeanwhile as replay:
            # Outside the rolled-back transaction: the whole chain goes, as for any reuse (RFC 9700 4.14.2).
            if replay.family:
                RefreshToken.revoke_family(replay.family)
            raise errors.InvalidGrantError(description="The refresh token has already been used.") from None

    def _save_bearer_token(self, token, request, *args, **kwargs):
        """Two requests presenting one refresh token at once are a reuse (RFC 9700 4.14.2: the legitimate client
        and a thief racing each other look exactly like this). Both pass validation; the row lock serializes
        them, and the second finds the token already rotated. django-oauth-toolkit would answer it with the
        successor pair read back from the database, which under hashed storage holds no plaintext: empty
        tokens with a 200 (the same holds for its grace period, which Portico leaves at 0). Portico refuses it
        with invalid_grant and revokes the family instead."""
        previous = getattr(request, "refresh_token_instance", None)
        if (
            request.grant_type != "refresh_token"
            or not isinstance(previous, RefreshToken)
            or not token.get("refresh_token")
        ):
            return super()._save_bearer_token(token, request, *args, **kwargs)
        # django-oauth-toolkit's rotation branch, without its two reads (the token again, FOR UPDATE, and an
        # access token already minted from it): retire() is one conditional UPDATE that locks the row and
        # tells whether this request is the one that rotated it.
        if "scope" not in token:
            raise FatalClientError("Failed to renew access token: missing scope")
        self._check_and_set_request_resource(request)
        expires = timezone.now() + timedelta(
            seconds=token.get("expires_in", oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS)
        )
        if not previous.retire():
            raise _RotatedMeanwhile(previous.token_family)
        request.refresh_token_instance = None
        access_token = self._create_access_token(expires, request, token, source_refresh_token=previous)
        self._create_refresh_token(request, token["refresh_token"], access_token, previous)

    def _check_and_set_request_resource(self, request):
        """RFC 8707 2.2 for a code: the token request may narrow the code's resources, never widen them. Checked
        against the grant this request has already read by digest (django-oauth-toolkit would read it again by
        the plaintext code, which Portico never stores and which must not appear in SQL); other grants are
        django-oauth-toolkit's."""
        if request.grant_type != "authorization_code" or not request.code:
            return super()._check_and_set_request_resource(request)
        # A repeated parameter: oauthlib keeps the last value, the decoded body has them all (RFC 8707 2).
        requested = [v for k, v in (getattr(request, "decoded_body", None) or []) if k == "resource"]
        requested = requested or _resources(request)
        self._validate_resource_uris(request, requested)
        grant = self._grant(request.code, request)
        granted = list(grant.resource or []) if grant is not None else []
        for res in requested if granted else []:
            if res not in granted:
                raise errors.CustomOAuth2Error(
                    error="invalid_target",
                    description=f"The requested resource '{res}' was not part of the authorization.",
                    request=request,
                )
        if granted and not requested:
            self._validate_resource_uris(request, granted)  # rows written before validation at /authorize
        request.resource = requested or granted

    def _create_access_token(self, expires, request, token, source_refresh_token=None):
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
            claims=_claims_request(request),
        )
        set_token_value(access_token, token["access_token"])
        _INSERT_ACCESS_TOKEN.save(access_token)
        ISSUED_ACCESS_TOKEN.set(access_token)
        return access_token

    def _create_refresh_token(self, request, refresh_token_code, access_token, previous_refresh_token):
        """DOT's rotation (same token family), plus the sign-in context the chain descends from."""
        previous = previous_refresh_token
        refresh_token = RefreshToken(
            user=request.user,
            application=request.client,
            access_token=access_token,
            token_family=previous.token_family if previous else uuid.uuid4(),
            resource=getattr(request, "resource", []),
            family_started=previous.family_started if previous else timezone.now(),
            auth_time=getattr(request, "auth_time", None),
            sid=getattr(request, "sid", "") or "",
            acr=getattr(request, "acr", "") or "",
            amr=getattr(request, "amr", None) or [],
            claims=_claims_request(request),
        )
        self._set_token_value(refresh_token, refresh_token_code)
        _INSERT_REFRESH_TOKEN.save(refresh_token)
        return refresh_token

    def _validate_live_refresh_token(self, refresh_token, client, request) -> bool | None:
        """django-oauth-toolkit's validate_refresh_token for a token that is not revoked, with its lookup
        prepared (oidc/prepared.py): unknown -> False; live -> its checks (an access token still paired,
        within REFRESH_TOKEN_EXPIRE_SECONDS of that token's expiry, issued to this client). None for a revoked
        token: django-oauth-toolkit's own method then decides (rotation grace period, reuse detection
        revoking the whole family, RFC 9700 4.14.2)."""
        rt = _REFRESH_BY_CHECKSUM.first(digest(refresh_token))
        if rt is None:
            return False
        if rt.revoked is not None:
            return None
        if rt.access_token is None:
            return False
        expire_delta = refresh_token_expire_timedelta()
        if expire_delta and rt.access_token.expires + expire_delta <= timezone.now():
            return False
        request.user = rt.user
        request.refresh_token = refresh_token
        request.refresh_token_instance = rt
        return rt.application_id == client.pk

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs):
        """django-oauth-toolkit's checks (existence, client, rotation reuse, the sliding lifetime); Portico adds
        the absolute maximum age of the chain and refuses users who can no longer sign in."""
        valid = self._validate_live_refresh_token(refresh_token, client, request)
        if valid is None:
            valid = super().validate_refresh_token(refresh_token, client, request, *args, **kwargs)
        if not valid:
            return False
        rt = request.refresh_token_instance
        if rt.past_max_age() or not rt.user.is_active:
            return False
        request.auth_time, request.sid, request.acr, request.amr = rt.auth_time, rt.sid, rt.acr, rt.amr
        request.claims = rt.claims or None
        return True

    def _load_id_token(self, token):
        claims = tokens.verify_own_jwt(token)
        return IDToken.objects.filter(jti=claims["jti"]).first() if claims and "jti" in claims else None

    # ---- id_token --------------------------------------------------------------------------------------

    def finalize_id_token(self, id_token, token, token_handler, request):
        now = int(time.time())
        auth_time = getattr(request, "auth_time", None)
        jti = str(uuid.uuid4())
        sub = subjects.sub_for(request.user, request.client)
        user_claims = claims.for_id_token(
            request.user,
            sub=sub,
            scopes=request.scopes,
            claims_request=request.claims if isinstance(request.claims, dict) else None,
            with_access_token="access_token" in token,
        )
        # Core 3.1.3.6 / 3.3.2.11: at_hash and c_hash use the hash of the client's JWS algorithm.
        hashed = {"at_hash": token.get("access_token"), "c_hash": token.get("code")}
        signed, _claims = tokens.issue_id_token(
            id_token,
            issuer=conf.issuer(),
            sub=sub,
            now=now,
            ttl=conf.id_token_ttl(),
            auth_time=int(auth_time.timestamp()) if auth_time else None,
            alg=request.client.id_token_signed_response_alg,
            hashed={k: v for k, v in hashed.items() if k in id_token and v},
            extra={
                **user_claims,
                "jti": jti,
                "sid": getattr(request, "sid", None),
                "acr": getattr(request, "acr", None),
                "amr": getattr(request, "amr", None),
            },
        )
        request.id_token = IDToken(
            user=request.user,
            scope=" ".join(request.scopes),
            expires=timezone.now() + timedelta(seconds=conf.id_token_ttl()),
            jti=jti,
            application=request.client,
        )
        _INSERT_ID_TOKEN.save(request.id_token)
        return signed
