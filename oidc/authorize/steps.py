"""The authorization endpoint's rules, in the order they apply (STEPS). Each step is one rule: it returns
None to go on, a response to stop, or raises an OAuthError (oidc/authorize/pipeline.py)."""

import time

from django.utils import timezone
from oauth2_provider.exceptions import FatalClientError, OAuthToolkitError

from accounts import conf as accounts_conf
from accounts import mfa, sessions

from .. import (
    authrequest,
    claims,
    client_auth,
    codes,
    conf,
    consent,
    errors,
    params,
    pkce,
    request_objects,
    resources,
    responses,
    tokens,
)
from ..models import Client
from . import interaction
from .pipeline import Authorization, use_params
from .references import refuse_unpushed, resolve_request_uri
from .resume import resumed


def refuse_malformed(a: Authorization) -> None:
    """NUL bytes and broken form encoding are never valid (RFC 6749 Appendix B): nothing in the request is
    trusted, redirect_uri included, so the person sees a page."""
    source = a.http.POST if a.http.method == "POST" else a.http.GET
    if params.has_nul(source) or params.undecodable_query(a.http.META.get("QUERY_STRING", "")):
        raise errors.InvalidRequest("Malformed request.", redirectable=False)


def refuse_repeated_parameters(a: Authorization) -> None:
    """RFC 6749 3.1: parameters MUST NOT be included more than once (a registered target exists by now)."""
    repeated = params.repeated(a.http.POST if a.http.method == "POST" else a.http.GET)
    if repeated:
        raise errors.InvalidRequest(f"Parameters must not be repeated (RFC 6749 3.1): {', '.join(repeated)}.")


def check_code_challenge(a: Authorization) -> None:
    """RFC 7636 4.2: a code_challenge is 43 to 128 unreserved characters (a base64url SHA-256 is 43)."""
    challenge = a.credentials.get("code_challenge") or a.params.get("code_challenge")
    if challenge and not pkce.is_well_formed(challenge):
        raise errors.InvalidRequest(
            "code_challenge must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636 4.2)."
        )


def check_nonce(a: Authorization) -> None:
    """Core 3.1.2.1: nonce is an opaque string; Portico keeps up to 255 characters of it with the code."""
    if len(a.params.get("nonce", "")) > authrequest.MAX_NONCE:
        raise errors.InvalidRequest(f"nonce must be at most {authrequest.MAX_NONCE} characters.")


def apply_request_object(a: Authorization) -> None:
    """Core 6.1 / RFC 9101: a verified request object's parameters win over the query (Core 6.3.3)."""
    token = a.params.get("request")
    if not token:
        return
    client = client_auth.active_client(a.params.get("client_id", ""))
    if client is None:
        raise errors.InvalidRequest(
            "A request object needs the client_id parameter of a known client (RFC 9101 5).",
            redirectable=False,
        )
    # Core 3.1.2.6: errors go to the redirect_uri the request names (inside, else outside), if registered.
    named = request_objects.effective_params(a.params, request_objects.unverified_claims(token))
    a.target = interaction.target_for(client, {**named, "response_mode": named.get("response_mode")})
    if a.params.get("request_uri"):
        raise errors.InvalidRequest("request and request_uri must not both be sent (RFC 9101 5)")
    verified = request_objects.verify(token, client=client, issuer=conf.issuer(), now=time.time())
    request_objects.check_outer(a.params, verified)
    effective = request_objects.effective_params(a.params, verified)
    if any("\x00" in value for value in effective.values()):
        raise errors.InvalidRequest("Malformed request.", redirectable=False)
    use_params(a.http, effective)
    a.params, a.target = effective, None  # the effective request is validated from scratch next


def validate_with_oauthlib(a: Authorization) -> None:
    """RFC 6749 4.1.1 / Core 3.1.2.2: client, redirect_uri (exact match), response_type, PKCE and scopes."""
    try:
        scopes, credentials = a.view.validate_authorization_request(a.http)
    except OAuthToolkitError as exc:
        a.target = _oauthlib_error_target(a, exc)
        raise errors.from_oauthlib(exc.oauthlib_error) from None
    client = getattr(credentials.get("request"), "client", None)  # the validator loaded it
    if not isinstance(client, Client) or client.client_id != credentials["client_id"]:
        client = Client.objects.get(client_id=credentials["client_id"])
    credentials["response_mode"] = a.params.get("response_mode") or None
    credentials[codes.REDIRECT_URI_SENT] = bool(a.params.get("redirect_uri"))  # RFC 6749 4.1.3 at /token
    a.client, a.scopes, a.credentials = client, scopes, credentials
    a.target = interaction.target_for(client, credentials)


def _oauthlib_error_target(a: Authorization, exc: OAuthToolkitError) -> errors.Target | None:
    """RFC 6749 4.1.2.1: errors about the client or its redirect URI are never redirected."""
    error = exc.oauthlib_error
    if isinstance(exc, FatalClientError) or not error.redirect_uri:
        return None
    client = Client.objects.filter(client_id=getattr(error, "client_id", "") or "").first()
    mode = responses.effective_mode(getattr(error, "response_type", "") or "", a.params.get("response_mode"))
    return errors.Target.registered(client, error.redirect_uri, state=error.state, mode=mode)


def check_resources(a: Authorization) -> None:
    """RFC 8707 2: each resource indicator is an absolute URI without a fragment."""
    source = a.http.POST if a.http.method == "POST" else a.http.GET
    a.credentials["resource"] = resources.at_authorization(source.getlist("resource"))


def check_response_mode(a: Authorization) -> None:
    """OAuth 2.0 Multiple Response Types 2.1: a known mode, and tokens never in a query string."""
    problem = responses.mode_problem(a.credentials.get("response_type", ""), a.params.get("response_mode"))
    if problem:
        raise errors.InvalidRequest(problem)


def parse_parameters(a: Authorization) -> None:
    """Core 3.1.2.1: prompt, max_age, display, the hints, acr_values and claims, as one value."""
    hint = a.params.get("id_token_hint")
    hint_claims = tokens.verify_own_jwt(hint, verify_exp=False) if hint else None
    a.request = authrequest.parse(a.params, a.client, hint_claims=hint_claims)


def limit_offline_access(a: Authorization) -> None:
    """Core 11: offline_access only where it may be granted; claims beyond the scopes are asked for apart."""
    assert a.request is not None
    response_type = a.credentials.get("response_type", "")
    a.scopes = authrequest.offline_access(a.scopes, a.request, response_type=response_type, client=a.client)
    a.extra_claims = sorted(claims.beyond_scopes(a.request.claims, a.scopes))


def interact_or_issue(a: Authorization):
    """Core 3.1.2.3-3.1.2.5: what the person must do first (sign in, step up, choose, consent), else issue."""
    assert a.request is not None
    sign_in = sessions.current(a.http)
    user = a.http.user if sign_in is not None else None
    step, _reason = authrequest.next_step(
        a.request,
        user=user,
        client=a.client,
        auth_time=sign_in.auth_time if sign_in else None,
        now=timezone.now(),
        fresh=resumed(a.params, sign_in),
        consent_needed=user is not None
        and consent.is_required(user, a.client, consent.items(a.scopes, a.extra_claims)),
        acr=sign_in.acr if sign_in else "1",
        can_step_up=user is not None and mfa.has_second_factor(user),
        signup_enabled=accounts_conf.signup_enabled(),
    )
    if step == authrequest.LOGIN:
        return interaction.login(a.params, login_hint=a.request.login_hint)
    if step == authrequest.CREATE:
        return interaction.sign_up(a.params)
    if step == authrequest.STEP_UP:
        return interaction.step_up(a.http, a.params, user=user, sign_in=sign_in)
    if step == authrequest.SELECT_ACCOUNT:
        return interaction.select_account(a.http, a.params, client=a.client, sign_in=sign_in)
    if step == authrequest.CONSENT:
        return interaction.consent(
            a.http, client=a.client, scopes=a.scopes, extra_claims=a.extra_claims, credentials=a.credentials
        )
    return interaction.issue(a.view, a.client, a.scopes, a.credentials, sign_in)


STEPS = (
    refuse_malformed,
    resolve_request_uri,
    apply_request_object,
    validate_with_oauthlib,
    refuse_unpushed,
    refuse_repeated_parameters,
    check_code_challenge,
    check_nonce,
    check_resources,
    check_response_mode,
    parse_parameters,
    limit_offline_access,
    interact_or_issue,
)
# RFC 9126 2.1: a pushed request is validated as /authorize would validate it, before its request_uri is
# issued (its `request` object, if any, was verified when it was read, oidc/pushed_requests.py).
PUSH_STEPS = (
    validate_with_oauthlib,
    check_code_challenge,
    check_nonce,
    check_resources,
    check_response_mode,
    parse_parameters,
    limit_offline_access,
)
