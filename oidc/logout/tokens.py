"""The JWTs of logout: the logout_token Portico sends (Back-Channel Logout 1.0 section 2.4) and the
id_token_hint it receives (RP-Initiated Logout 1.0 section 2)."""

import time
import uuid
from dataclasses import dataclass
from typing import Any

from .. import conf, tokens

BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
# Back-Channel 2.4: the token is short-lived; two minutes covers clock skew without keeping it replayable.
LOGOUT_TOKEN_TTL = 120


def logout_token_claims(*, client_id: str, sub: str, sid: str, now: int) -> dict[str, Any]:
    """Back-Channel 2.4: iss, aud, iat, exp, jti, events, and sub and/or sid; never a nonce (2.4: its
    absence is what keeps a logout_token from passing as an id_token). A fresh jti every call, so every
    attempt of a delivery is a token of its own (receivers may reject a jti seen before)."""
    claims: dict[str, Any] = {
        "iss": conf.issuer(),
        "aud": client_id,
        "iat": now,
        "exp": now + LOGOUT_TOKEN_TTL,
        "jti": str(uuid.uuid4()),
        "events": {BACKCHANNEL_EVENT: {}},
    }
    if sub:
        claims["sub"] = sub
    if sid:
        claims["sid"] = sid
    return claims


def issue_logout_token(client, *, sub: str, sid: str, now: int | None = None) -> str:
    """Signed like the client's id_tokens (Back-Channel 2.4), typed logout+jwt (2.4, RFC 8725 3.11) so it
    cannot be confused with any other JWT of ours."""
    claims = logout_token_claims(
        client_id=client.client_id, sub=sub, sid=sid, now=int(time.time()) if now is None else now
    )
    return tokens.sign_jwt(claims, alg=client.id_token_signed_response_alg, typ="logout+jwt")


@dataclass(frozen=True)
class IdTokenHint:
    """What a verified id_token_hint says: the client it was issued to, the person, the sign-in."""

    client_id: str
    sub: str
    sid: str


def read_id_token_hint(value: str) -> IdTokenHint | None:
    """RP-Initiated 2: an id_token Portico issued, its signature verified with Portico's own keys; an
    expired one is accepted (the RP may well hold only an expired id_token when the person signs out).
    None when it is not ours, or is not an id_token (a logout_token carries `events`)."""
    claims = tokens.verify_own_jwt(value, verify_exp=False)
    if not claims or "events" in claims:
        return None
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    client_id = claims.get("azp") if len(audiences) != 1 else audiences[0]
    sub = claims.get("sub")
    if not isinstance(client_id, str) or not client_id or not isinstance(sub, str):
        return None
    sid = claims.get("sid")
    return IdTokenHint(client_id=client_id, sub=sub, sid=sid if isinstance(sid, str) else "")
