"""Authorization codes (RFC 6749 4.1): stored as SHA-256 digests, short-lived, single-use, consumed before
anything is minted, and a replayed code revokes what its first use issued (RFC 6749 4.1.2)."""

import json
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import revoke_access_token

from . import conf, errors, pkce
from .models import AccessToken, Grant, RefreshToken
from .prepared import PreparedLookup
from .secrets import digest
from .sign_in import SignInContext

# On oauthlib's request: whether the authorization request itself named its redirect_uri (RFC 6749 4.1.3).
REDIRECT_URI_SENT = "portico_redirect_uri_sent"

# An authorization code's row, with its user, by the digest of the code.
_GRANT_BY_DIGEST = PreparedLookup(
    lambda code: Grant.objects.select_related("user").filter(code=code).order_by()[:1]
)


def find(code: str, request) -> Grant | None:
    """The code's row, read once per token request (oauthlib asks for it several times)."""
    cached = getattr(request, "portico_grant", None)
    if cached is not None and cached.code == digest(code):
        return cached
    grant = _GRANT_BY_DIGEST.first(digest(code))
    request.portico_grant = grant
    return grant


def save(code: str, request, *, resources: list[str]) -> Grant:
    """Store the code's digest with the authorization it stands for and the sign-in it came from."""
    return Grant.objects.create(
        application=request.client,
        user=request.user,
        code=digest(code),
        expires=timezone.now() + timedelta(seconds=conf.code_ttl()),
        # "" when the authorization request relied on the registered default (RFC 6749 3.1.2.3).
        redirect_uri=request.redirect_uri if getattr(request, REDIRECT_URI_SENT, True) else "",
        scope=" ".join(request.scopes),
        code_challenge=request.code_challenge or "",
        code_challenge_method=request.code_challenge_method or "",
        nonce=request.nonce or "",
        claims=json.dumps(request.claims or {}),
        resource=resources,  # RFC 8707: what the token request may narrow, never widen
        **SignInContext.from_request(request).fields(),
    )


def redeem(code: str, client, request) -> bool:
    """RFC 6749 4.1.3: this client's live, unexpired, unused code, consumed now; False otherwise."""
    grant = find(code, request)
    if grant is None or grant.application_id != client.pk:
        return False
    if not grant.user.is_active:
        return False  # a person disabled between consent and redemption gets nothing
    if grant.redeemed_at is not None:
        revoke_tokens_from(grant)  # RFC 6749 4.1.2: a replayed code revokes the tokens its first use issued
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
        raise errors.InvalidGrant(problem).to_oauthlib(request)
    if request.code_verifier is not None and not pkce.is_well_formed(request.code_verifier):
        raise errors.InvalidRequest(
            "code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636 4.1)."
        ).to_oauthlib(request)
    request.scopes = grant.scope.split()
    request.user = grant.user
    request.nonce = grant.nonce or None
    SignInContext.of(grant).apply(request)
    return True


def revoke_tokens_from(grant: Grant) -> None:
    """RFC 6749 4.1.2 / RFC 9700 4.5: everything minted from this code, refresh token families included."""
    with transaction.atomic():
        for access_token in AccessToken.objects.filter(grant_code=grant.code):
            refresh = RefreshToken.objects.filter(access_token=access_token).first()
            if refresh is not None and refresh.token_family:
                RefreshToken.revoke_family(refresh.token_family)
            revoke_access_token(access_token)


def _same_redirect_uri(grant: Grant, redirect_uri: str | None, client, *, omitted: bool) -> bool:
    """RFC 6749 4.1.3: REQUIRED if the authorization request included it, and then identical; otherwise
    optional (and then one of the client's registered URIs)."""
    if grant.redirect_uri:
        return not omitted and redirect_uri == grant.redirect_uri
    return omitted or (redirect_uri is not None and client.redirect_uri_allowed(redirect_uri))


def confirm_redirect_uri(code: str, redirect_uri: str | None, client, request) -> bool:
    """RFC 6749 4.1.3: the token request's redirect_uri against the authorization request's."""
    grant = find(code, request) if request is not None else None
    if grant is None:
        grant = Grant.objects.filter(code=digest(code), application=client).first()
    omitted = bool(getattr(request, "using_default_redirect_uri", False)) or redirect_uri is None
    if grant is None or not _same_redirect_uri(grant, redirect_uri, client, omitted=omitted):
        # RFC 6749 5.2 names this invalid_grant (oauthlib would answer invalid_request).
        error = errors.InvalidGrant("redirect_uri does not match the one in the authorization request")
        raise error.to_oauthlib(request)
    return True
