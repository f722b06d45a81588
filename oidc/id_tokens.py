"""Where the id_token is assembled (Core 2, 3.1.3.6, 3.3.2.11, 12.2): the claims oauthlib started (aud,
nonce) completed with the subject, the sign-in context, the released user claims and the hashes of what it
travels with, signed with the client's algorithm, and recorded by jti."""

import time
import uuid
from datetime import timedelta

from django.utils import timezone

from . import claims, conf, subjects, tokens
from .models import IDToken
from .prepared import PreparedInsert
from .sign_in import SignInContext

_INSERT = PreparedInsert(IDToken)


def assemble(base: dict, token: dict, request) -> str:
    """The signed id_token for oauthlib's `request` (its client, user, scopes and sign-in context)."""
    now = int(time.time())
    context = SignInContext.from_request(request)
    sub = subjects.sub_for(request.user, request.client)
    user_claims = claims.for_id_token(
        request.user,
        sub=sub,
        scopes=request.scopes,
        claims_request=context.claims or None,
        with_access_token="access_token" in token,
        scope_claims=request.client.id_token_claims,
    )
    jti = str(uuid.uuid4())
    # Core 3.1.3.6 / 3.3.2.11: at_hash and c_hash use the hash of the client's JWS algorithm.
    hashed = {"at_hash": token.get("access_token"), "c_hash": token.get("code")}
    signed, _claims = tokens.issue_id_token(
        base,
        issuer=conf.issuer(),
        sub=sub,
        now=now,
        ttl=conf.id_token_ttl(),
        auth_time=int(context.auth_time.timestamp()) if context.auth_time else None,
        alg=request.client.id_token_signed_response_alg,
        hashed={k: v for k, v in hashed.items() if k in base and v},
        extra={**user_claims, "jti": jti, **context.id_token_claims()},
    )
    request.id_token = IDToken(
        user=request.user,
        scope=" ".join(request.scopes),
        expires=timezone.now() + timedelta(seconds=conf.id_token_ttl()),
        jti=jti,
        application=request.client,
    )
    _INSERT.save(request.id_token)
    return signed


def load(token: str) -> IDToken | None:
    """The recorded id_token a JWT of ours stands for (id_token_hint handling in django-oauth-toolkit)."""
    verified = tokens.verify_own_jwt(token)
    return IDToken.objects.filter(jti=verified["jti"]).first() if verified and "jti" in verified else None
