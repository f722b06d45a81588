"""What the authorization endpoint shows or sends the person to (Core 3.1.2.3 and 3.1.2.4), and the
authorization response once nothing more is needed (Core 3.1.2.5)."""

import secrets
from urllib.parse import urlencode

from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.http import OAuth2ResponseRedirect

from accounts import mfa, sessions, throttle

from .. import claims, conf, errors, responses
from ..models import SessionClient
from ..sign_in import SignInContext
from .resume import resume_url

PENDING_KEY = "portico_pending_authorizations"
MAX_PENDING = 5


def login(params, *, login_hint: str) -> HttpResponse:
    """Core 3.1.2.3: the hosted login page, then back to this request."""
    query = {"next": resume_url(params, kind="login")}
    if login_hint:
        query["login_hint"] = login_hint
    return HttpResponseRedirect(reverse("accounts:login") + "?" + urlencode(query))


def sign_up(params) -> HttpResponse:
    """Initiating User Registration via OpenID Connect 1.0: the sign-up page, then back."""
    return HttpResponseRedirect(
        reverse("accounts:signup") + "?" + urlencode({"next": resume_url(params, kind="login")})
    )


def step_up(http, params, *, user, sign_in) -> HttpResponse:
    """acr "2" for the person already signed in: the second factor alone; a new sign-in results."""
    mfa.stash(
        http,
        user,
        amr=list(sign_in.amr),
        remember=not http.session.get_expire_at_browser_close(),
        next_url=resume_url(params, kind="login"),
        throttle_keys=[throttle.user_key(user)],
    )
    return HttpResponseRedirect(reverse("accounts:second-factor"))


def select_account(http, params, *, client, sign_in) -> HttpResponse:
    """prompt=select_account (Core 3.1.2.1): continue as the signed-in person, or use another account."""
    return render(
        http,
        "oidc/select_account.html",
        {
            "client": client,
            "continue_url": resume_url(params, kind="selected", sid=sign_in.sid),
            "another_url": resume_url(params, kind="login"),
        },
    )


def _serialisable(credentials: dict) -> dict:
    out = {}
    for key, value in credentials.items():
        if key in {"request", "user", "client"}:
            continue
        out[key] = sorted(value) if isinstance(value, set) else value
    return out


def consent(http, *, client, scopes: list[str], extra_claims: list[str], credentials: dict) -> HttpResponse:
    """Core 3.1.2.4: the consent page. The validated request waits in the session (a few at most) for the
    CSRF-protected decision, which refers to it by a random id."""
    pending = http.session.get(PENDING_KEY, {})
    request_id = secrets.token_urlsafe(16)
    pending[request_id] = {
        "client_id": client.client_id,
        "scopes": scopes,
        "claims": extra_claims,
        "credentials": _serialisable(credentials),
    }
    http.session[PENDING_KEY] = dict(list(pending.items())[-MAX_PENDING:])
    descriptions = conf.scopes()
    return render(
        http,
        "oidc/consent.html",
        {
            "client": client,
            "request_id": request_id,
            "scopes": [{"name": s, "description": descriptions.get(s, s)} for s in scopes],
            "extra_claims": [claims.describe(name) for name in extra_claims],
        },
    )


def take_pending(http, request_id: str) -> dict | None:
    """The request a consent decision answers, removed from the session (each is answered once)."""
    pending = http.session.get(PENDING_KEY, {})
    entry = pending.pop(request_id, None)
    http.session[PENDING_KEY] = pending
    return entry


def target_for(client, credentials: dict) -> errors.Target | None:
    """Where this validated request's response (or error) goes."""
    mode = responses.effective_mode(credentials.get("response_type", ""), credentials.get("response_mode"))
    return errors.Target.registered(
        client, credentials.get("redirect_uri", ""), state=credentials.get("state"), mode=mode
    )


def issue(view, client, scopes: list[str], credentials: dict, sign_in=None) -> HttpResponse:
    """Core 3.1.2.5: the code and/or tokens for the signed-in person, carrying the sign-in's context (Core 2),
    in the requested response mode; the client is remembered as one this sign-in must tell at logout."""
    http = view.request
    sign_in = sign_in or sessions.current(http)
    if sign_in is None:
        return errors.page(http, errors.LoginRequired("Your sign-in has ended. Please try again."))
    target = target_for(client, credentials)
    credentials = {**credentials, **SignInContext.of(sign_in).fields(), "client": client}
    mode = responses.effective_mode(credentials.get("response_type", ""), credentials.get("response_mode"))
    if mode == "form_post":
        credentials["response_mode"] = "fragment"  # oauthlib builds it there; the page posts it on
    try:
        uri, _headers, _body, _status = view.create_authorization_response(
            request=http, scopes=" ".join(scopes), credentials=credentials, allow=True
        )
    except OAuthToolkitError as error:
        return errors.respond(http, errors.from_oauthlib(error.oauthlib_error), target)
    SessionClient.objects.get_or_create(sign_in=sign_in, client=client)
    if mode == "form_post":
        return responses.form_post(http, uri)
    return OAuth2ResponseRedirect(uri, client.get_allowed_schemes())
