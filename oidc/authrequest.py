"""OpenID Connect authentication request parameters (Core 3.1.2.1) parsed into a frozen value, and the
decision of what the request needs from the person before a response can be issued. Pure: no HTTP."""

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from . import errors, subjects
from .constants import ACR_LEVELS, CLAIM_TARGETS, DISPLAYS, PROMPTS


@dataclass(frozen=True)
class AuthRequest:
    prompt: frozenset[str] = frozenset()
    max_age: int | None = None
    login_hint: str = ""
    hint_sub: str | None = None  # the sub of a verified id_token_hint
    acr_values: tuple[str, ...] = ()
    ui_locales: tuple[str, ...] = ()
    display: str = "page"
    claims: dict[str, Any] = field(default_factory=dict)

    @property
    def silent(self) -> bool:
        return "none" in self.prompt


def _prompt(value: str) -> frozenset[str]:
    prompt = frozenset(value.split())
    unknown = prompt - PROMPTS
    if unknown:
        raise errors.InvalidRequest(f"unsupported prompt value: {' '.join(sorted(unknown))}")
    if "none" in prompt and len(prompt) > 1:
        raise errors.InvalidRequest("prompt=none cannot be combined with other values (Core 3.1.2.1)")
    return prompt


def _max_age(value: str | None, default: int | None) -> int | None:
    """Core 3.1.2.1: a request's max_age overrides the client's registered default_max_age."""
    if value is None or value == "":
        return default
    if not (value.isascii() and value.isdigit()) or len(value) > 10:
        raise errors.InvalidRequest("max_age must be a non-negative number of seconds")
    return int(value)


def parse_claims(value: str | None) -> dict[str, Any]:
    """Core 5.5: {"id_token": {...}, "userinfo": {...}}, each claim null or {essential, value, values}."""
    if not value:
        return {}
    try:
        document = json.loads(value)
    except ValueError as exc:
        raise errors.InvalidRequest("claims must be a JSON object (Core 5.5)") from exc
    if not isinstance(document, dict):
        raise errors.InvalidRequest("claims must be a JSON object (Core 5.5)")
    parsed: dict[str, Any] = {}
    for target in CLAIM_TARGETS:
        members = document.get(target)
        if members is None:
            continue
        if not isinstance(members, dict):
            raise errors.InvalidRequest(f"claims.{target} must be a JSON object")
        for name, spec in members.items():
            if spec is not None and not isinstance(spec, dict):
                raise errors.InvalidRequest(f"claims.{target}.{name} must be null or an object")
            if isinstance(spec, dict) and "values" in spec and not isinstance(spec["values"], list):
                raise errors.InvalidRequest(f"claims.{target}.{name}.values must be an array")
        parsed[target] = members
    return parsed


def hint_sub(claims: dict[str, Any] | None, client) -> str | None:
    """Core 3.1.2.1: id_token_hint is an ID token this server issued to this client (expired ones too); its
    sub. `claims` are the hint's verified claims (None: the signature did not verify)."""
    if claims is None:
        raise errors.InvalidRequest("id_token_hint is not an ID token this server issued to this client")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if "sub" not in claims or client.client_id not in audiences:
        raise errors.InvalidRequest("id_token_hint is not an ID token this server issued to this client")
    return str(claims["sub"])


def parse(params, client, *, hint_claims: dict[str, Any] | None = None) -> AuthRequest:
    """The request's OpenID Connect parameters (Core 3.1.2.1). `hint_claims`: the verified id_token_hint."""
    display = params.get("display") or "page"
    if display not in DISPLAYS:
        raise errors.InvalidRequest(f"unsupported display value: {display}")
    return AuthRequest(
        prompt=_prompt(params.get("prompt", "")),
        max_age=_max_age(params.get("max_age"), client.default_max_age),
        login_hint=params.get("login_hint", "")[:254],
        hint_sub=hint_sub(hint_claims, client) if params.get("id_token_hint") else None,
        # Registration 2: default_acr_values apply when the request names none.
        acr_values=tuple((params.get("acr_values") or " ".join(client.default_acr_values or [])).split()),
        ui_locales=tuple(params.get("ui_locales", "").split()),
        display=display,
        claims=parse_claims(params.get("claims")),
    )


def offline_access(
    scopes: list[str], request: AuthRequest, *, response_type: str, client, consented: bool
) -> list[str]:
    """Core 11: offline_access is ignored unless a code is returned and the person consents to offline
    access: on a consent page that names it (prompt=consent, or shown because it is not yet part of what they
    consented to), or earlier (`consented`: remembered with their consent to this client). With prompt=none
    no page can ask, so a request not consented to before is ignored rather than refused. A first-party
    client's users are never asked: an administrator registered it first-party, the "other conditions ...
    permitting offline access" Core 11 allows for (documented in docs/clients.md)."""
    if "offline_access" not in scopes:
        return scopes
    if "code" in response_type.split() and (
        consented or client.skip_authorization or "consent" in request.prompt or not request.silent
    ):
        return scopes
    return [s for s in scopes if s != "offline_access"]


MAX_NONCE = 255  # the Grant.nonce column


# ---- what the request needs ----------------------------------------------------------------------------

LOGIN = "login"
CREATE = "create"
STEP_UP = "step_up"
SELECT_ACCOUNT = "select_account"
CONSENT = "consent"
ISSUE = "issue"


def wanted_acr(request: AuthRequest) -> tuple[str | None, bool]:
    """(level, essential). An essential acr claim (Core 5.5.1.1) is met by any of its values, so the lowest
    known one counts; acr_values (Core 3.1.2.1) is a voluntary list in order of preference."""
    spec = request.claims.get("id_token", {}).get("acr")
    if isinstance(spec, dict) and spec.get("essential"):
        values = spec.get("values") or ([spec["value"]] if "value" in spec else [])
        known = [v for v in ACR_LEVELS if v in values]
        if values:
            return (known[0] if known else "unknown"), True
    preferred = [v for v in request.acr_values if v in ACR_LEVELS]
    return (preferred[0] if preferred else None), False


def acr_problem(request: AuthRequest, *, acr: str, can_step_up: bool) -> str | None:
    """STEP_UP when a second factor is wanted and available, else None; an essential level that cannot be
    met is an error (OpenID Connect Unmet Authentication Requirements 1.0)."""
    level, essential = wanted_acr(request)
    if level is None or (level in ACR_LEVELS and ACR_LEVELS.index(acr or "1") >= ACR_LEVELS.index(level)):
        return None
    if level in ACR_LEVELS and can_step_up:
        return STEP_UP
    if essential:
        raise errors.UnmetAuthenticationRequirements(
            "The requested authentication context (acr) cannot be met for this user.",
        )
    return None


def _requested_sub(request: AuthRequest) -> str | None:
    """Core 5.5.1: claims.id_token.sub.value asks for one particular person."""
    spec = request.claims.get("id_token", {}).get("sub")
    return str(spec["value"]) if isinstance(spec, dict) and "value" in spec else None


def needs_authentication(
    request: AuthRequest, *, user, client, auth_time: datetime | None, now: datetime, fresh: bool
) -> str | None:
    """Why the person must (re-)authenticate, or None. `fresh`: they just did, for this very request."""
    if user is None or auth_time is None:
        return "The user is not signed in."
    if fresh:
        return None
    if "login" in request.prompt:
        return "Re-authentication was requested (prompt=login)."
    if request.max_age is not None and (now - auth_time).total_seconds() > request.max_age:
        return "The sign-in is older than max_age."
    sub = subjects.sub_for(user, client)
    if request.hint_sub is not None and request.hint_sub != sub:
        return "The signed-in user is not the one id_token_hint names."
    wanted = _requested_sub(request)
    if wanted is not None and wanted != sub:
        return "The signed-in user is not the one the claims request names."
    return None


def next_step(
    request: AuthRequest,
    *,
    user,
    client,
    auth_time: datetime | None,
    now: datetime,
    fresh: bool,
    consent_needed: bool,
    acr: str = "1",
    can_step_up: bool = False,
    signup_enabled: bool = False,
) -> tuple[str, str]:
    """(step, reason). With prompt=none a step other than ISSUE becomes the matching error (Core 3.1.2.6)."""
    if "create" in request.prompt and not signup_enabled:
        # Initiating User Registration via OpenID Connect 1.0: a prompt value the OP does not support.
        raise errors.InvalidRequest("prompt=create is not supported: sign-up is closed.")
    if "create" in request.prompt and user is None and not fresh:
        return CREATE, "Account creation was requested (prompt=create)."
    reason = needs_authentication(
        request, user=user, client=client, auth_time=auth_time, now=now, fresh=fresh
    )
    if reason:
        if request.silent:
            raise errors.LoginRequired(reason)
        return LOGIN, reason
    if acr_problem(request, acr=acr, can_step_up=can_step_up) == STEP_UP:
        if request.silent:
            raise errors.InteractionRequired("A second factor is needed for the requested acr.")
        return STEP_UP, "A second factor was requested (acr_values)."
    if "select_account" in request.prompt and not fresh:
        return SELECT_ACCOUNT, "Account selection was requested."
    if consent_needed or "consent" in request.prompt:
        if request.silent:
            raise errors.ConsentRequired("The user has not consented to this request yet.")
        return CONSENT, ""
    return ISSUE, ""
