"""The authorization endpoint (RFC 6749 3.1, Core 3.1.2): validate, sign in, select, consent, respond.

/authorize accepts GET and form POST (Core 3.1.2.1) without CSRF protection, as a cross-site request is
what it is for; it never acts on the user's behalf without a CSRF-protected step (login, account choice
or consent form), except for consent already given.
"""

import secrets
import time
from urllib.parse import urlencode

from django.contrib.auth import logout
from django.core import signing
from django.http import HttpResponseNotAllowed, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.exceptions import FatalClientError, OAuthToolkitError
from oauth2_provider.http import OAuth2ResponseRedirect
from oauth2_provider.oauth2_validators import is_valid_resource_uri
from oauth2_provider.views.mixins import OAuthLibMixin

from accounts import conf as accounts_conf
from accounts import mfa, sessions, throttle

from .. import authrequest, claims, conf, consent, errors, request_objects, responses
from ..models import Client, SessionClient
from ..params import has_nul

PENDING_KEY = "portico_pending_authorizations"
MAX_PENDING = 5
# The signed marker that brings the person back from the login or account-choice page to the request that
# sent them there: proof that the interaction this request asked for has happened.
RESUME_PARAM = "portico_resume"
RESUME_SALT = "portico.authorize.resume"
RESUME_MAX_AGE = 30 * 60


def _serialisable(credentials: dict) -> dict:
    out = {}
    for key, value in credentials.items():
        if key in {"request", "user"}:
            continue
        out[key] = sorted(value) if isinstance(value, set) else value
    return out


def _binding(params) -> str:
    """What a resume marker is bound to: the client, its redirect URI and its nonce/state."""
    return "|".join(params.get(k, "") for k in ("client_id", "redirect_uri", "nonce", "state"))


def resume_url(params, *, kind: str, sid: str = "") -> str:
    marker = signing.dumps(
        {"at": int(time.time()), "k": kind, "sid": sid, "b": _binding(params)}, salt=RESUME_SALT
    )
    query = [(k, v) for k, v in params.items() if k != RESUME_PARAM] + [(RESUME_PARAM, marker)]
    return reverse("oidc:authorize") + "?" + urlencode(query)


def _resumed(params, sign_in) -> bool:
    """The person signed in (or chose this account) for this very request, after it asked them to."""
    value = params.get(RESUME_PARAM)
    if not value or sign_in is None:
        return False
    try:
        marker = signing.loads(value, salt=RESUME_SALT, max_age=RESUME_MAX_AGE)
    except signing.BadSignature:
        return False
    if marker.get("b") != _binding(params):
        return False
    if marker.get("k") == "selected":
        return marker.get("sid") == sign_in.sid
    return sign_in.auth_time.timestamp() >= marker.get("at", 0)


def _offline_access(scopes: list[str], *, prompt: frozenset[str], response_type: str, client) -> list[str]:
    """Core 11: offline_access only with a code in the response and consent asked for (prompt=consent), or a
    first-party client whose users are not asked; otherwise the request for it is ignored."""
    if "offline_access" not in scopes:
        return scopes
    allowed = "code" in response_type.split() and ("consent" in prompt or client.skip_authorization)
    return scopes if allowed else [s for s in scopes if s != "offline_access"]


class AuthorizationMixin(OAuthLibMixin):
    def respond_error(self, error: OAuthToolkitError, client: Client | None = None):
        oauthlib_error = error.oauthlib_error
        if isinstance(error, FatalClientError) or not oauthlib_error.redirect_uri:
            return errors.error_page(
                self.request, error=oauthlib_error.error, description=oauthlib_error.description
            )
        response_type = getattr(oauthlib_error, "response_type", "") or ""
        requested_mode = self.request.GET.get("response_mode") or self.request.POST.get("response_mode")
        if client is None:
            client = Client.objects.filter(client_id=getattr(oauthlib_error, "client_id", "")).first()
        return errors.error_redirect(
            self.request,
            oauthlib_error.redirect_uri,
            error=oauthlib_error.error,
            description=oauthlib_error.description,
            state=oauthlib_error.state,
            mode=responses.effective_mode(response_type, requested_mode),
            schemes=client.get_allowed_schemes() if client else ("http", "https"),
        )

    def respond_with_error(self, credentials: dict, client: Client, error: str, description: str):
        response_type = credentials.get("response_type", "")
        return errors.error_redirect(
            self.request,
            credentials["redirect_uri"],
            error=error,
            description=description,
            state=credentials.get("state"),
            mode=responses.effective_mode(response_type, credentials.get("response_mode")),
            schemes=client.get_allowed_schemes(),
        )

    def issue(self, client: Client, scopes: list[str], credentials: dict, sign_in=None):
        """Create the authorization response (code and/or tokens) for the signed-in user, carrying the
        sign-in's auth_time, sid, acr and amr (Core 2), in the requested response mode."""
        sign_in = sign_in or sessions.current(self.request)
        if sign_in is None:
            return errors.error_page(
                self.request, error="login_required", description="Your sign-in has ended. Please try again."
            )
        credentials = dict(credentials)
        credentials.update(auth_time=sign_in.auth_time, sid=sign_in.sid, acr=sign_in.acr, amr=sign_in.amr)
        credentials["client"] = client  # oauthlib sets it on its request: the validator need not read it again
        mode = responses.effective_mode(
            credentials.get("response_type", ""), credentials.get("response_mode")
        )
        if mode == "form_post":
            credentials["response_mode"] = "fragment"  # oauthlib builds it there; the page posts it on
        try:
            uri, _headers, _body, _status = self.create_authorization_response(
                request=self.request, scopes=" ".join(scopes), credentials=credentials, allow=True
            )
        except OAuthToolkitError as error:
            return self.respond_error(error, client)
        SessionClient.objects.get_or_create(sign_in=sign_in, client=client)
        if mode == "form_post":
            return responses.form_post(self.request, uri)
        return OAuth2ResponseRedirect(uri, client.get_allowed_schemes())


def _resources(request) -> list[str] | None:
    """RFC 8707 2: resource indicators, repeatable; None when one is not an absolute URI."""
    source = request.POST if request.method == "POST" else request.GET
    values = [value for value in source.getlist("resource") for value in value.split()]
    return values if all(is_valid_resource_uri(value) for value in values) else None


def _params(request):
    """Core 3.1.2.1: GET query or form-encoded POST body, one value per name."""
    source = request.POST if request.method == "POST" else request.GET
    return {key: source.get(key, "") for key in source}


def _use_params(request, params: dict[str, str]) -> None:
    """Make `request` carry the effective parameters (Core 6.3.3) as a GET query, so django-oauth-toolkit,
    oauthlib and the rest of this view validate and act on the same request. Changed in place rather than
    copied: middleware reads what views record on the request (e.g. the CSRF cookie in META)."""
    query = QueryDict(mutable=True)
    for name, value in params.items():
        query[name] = value
    request.GET = query
    request.POST = QueryDict()
    request.method = request.META["REQUEST_METHOD"] = "GET"
    request.META["QUERY_STRING"] = query.urlencode()


@method_decorator([csrf_exempt, never_cache], name="dispatch")
class AuthorizeView(AuthorizationMixin, View):
    http_method_names = ["get", "post"]

    def get(self, request):
        return self.authorize(request.GET)

    def post(self, request):
        return self.authorize(request.POST)

    def authorize(self, query):
        if has_nul(query):
            # No parameter can be trusted, the redirect_uri included: answer with a page.
            return errors.error_page(self.request, error="invalid_request", description="Malformed request.")
        params = _params(self.request)
        if params.get("request"):
            effective = self._request_object(params)
            if not isinstance(effective, dict):
                return effective
            params = effective
        try:
            scopes, credentials = self.validate_authorization_request(self.request)
        except OAuthToolkitError as error:
            return self.respond_error(error)
        client = getattr(credentials.get("request"), "client", None)  # the validator loaded it
        if not isinstance(client, Client) or client.client_id != credentials["client_id"]:
            client = Client.objects.get(client_id=credentials["client_id"])
        response_type = credentials.get("response_type", "")
        credentials["response_mode"] = params.get("response_mode") or None
        resources = _resources(self.request)
        if resources is None:
            return self.respond_with_error(
                credentials, client, "invalid_target", "Each resource must be an absolute URI without a fragment (RFC 8707 2)."
            )
        credentials["resource"] = resources
        problem = responses.mode_problem(response_type, params.get("response_mode"))
        if problem:
            return self.respond_with_error(credentials, client, "invalid_request", problem)
        if params.get("request_uri"):
            return self.respond_with_error(
                credentials, client, "request_uri_not_supported", "request_uri is not supported (Core 6.2)."
            )
        try:
            request = authrequest.parse(params, client)
        except authrequest.RequestError as error:
            return self.respond_with_error(credentials, client, error.error, error.description)
        scopes = _offline_access(scopes, prompt=request.prompt, response_type=response_type, client=client)
        extra_claims = sorted(claims.beyond_scopes(request.claims, scopes))
        sign_in = sessions.current(self.request)
        user = self.request.user if sign_in is not None else None
        try:
            step, _reason = authrequest.next_step(
                request,
                user=user,
                client=client,
                auth_time=sign_in.auth_time if sign_in else None,
                now=timezone.now(),
                fresh=_resumed(params, sign_in),
                consent_needed=user is not None
                and consent.is_required(user, client, consent.items(scopes, extra_claims)),
                acr=sign_in.acr if sign_in else "1",
                can_step_up=user is not None and mfa.has_second_factor(user),
                signup_enabled=accounts_conf.signup_enabled(),
            )
        except authrequest.RequestError as error:
            return self.respond_with_error(credentials, client, error.error, error.description)
        if step == authrequest.LOGIN:
            return self._login(params, request)
        if step == authrequest.CREATE:
            return HttpResponseRedirect(
                reverse("accounts:signup") + "?" + urlencode({"next": resume_url(params, kind="login")})
            )
        if step == authrequest.STEP_UP:
            # The second factor alone, for the person already signed in; a new sign-in (acr "2") results.
            mfa.stash(
                self.request,
                user,
                amr=list(sign_in.amr),
                remember=not self.request.session.get_expire_at_browser_close(),
                next_url=resume_url(params, kind="login"),
                throttle_keys=[throttle.user_key(user)],
            )
            return HttpResponseRedirect(reverse("accounts:second-factor"))
        if step == authrequest.SELECT_ACCOUNT:
            return self._select_account(params, client, sign_in)
        if step == authrequest.CONSENT:
            return self._show_consent(client, scopes, extra_claims, credentials)
        return self.issue(client, scopes, credentials, sign_in)

    def _request_object(self, params: dict[str, str]):
        """Core 6.1 / RFC 9101: verify the request object and switch to the effective parameters, or answer
        the error. Before this, nothing in the request is trusted, the redirect_uri included."""
        client = Client.objects.filter(client_id=params.get("client_id", ""), is_active=True).first()
        if client is None:
            return errors.error_page(
                self.request,
                error="invalid_request",
                description="A request object needs the client_id parameter of a known client (RFC 9101 5).",
            )
        try:
            if params.get("request_uri"):
                raise authrequest.RequestError(
                    "invalid_request", "request and request_uri must not both be sent (RFC 9101 5)"
                )
            claims = request_objects.verify(
                params["request"], client=client, issuer=conf.issuer(), now=time.time()
            )
            request_objects.check_outer(params, claims)
        except authrequest.RequestError as error:
            return self._request_object_error(params, client, error)
        effective = request_objects.effective_params(params, claims)
        if any("\x00" in value for value in effective.values()):
            return errors.error_page(self.request, error="invalid_request", description="Malformed request.")
        _use_params(self.request, effective)
        return effective

    def _request_object_error(self, params, client: Client, error: authrequest.RequestError):
        """Core 3.1.2.6: to the redirect_uri the request names (inside the object, else outside), and only
        when it is one of the client's registered ones (RFC 6749 4.1.2.1); otherwise a page."""
        unverified = request_objects.unverified_claims(params["request"])
        named = request_objects.effective_params(params, unverified)
        redirect_uri = named.get("redirect_uri", "")
        if not redirect_uri or not client.redirect_uri_allowed(redirect_uri):
            return errors.error_page(self.request, error=error.error, description=error.description)
        return errors.error_redirect(
            self.request,
            redirect_uri,
            error=error.error,
            description=error.description,
            state=named.get("state"),
            mode=responses.effective_mode(named.get("response_type", ""), named.get("response_mode")),
            schemes=client.get_allowed_schemes(),
        )

    def _login(self, params, request: authrequest.AuthRequest):
        query = {"next": resume_url(params, kind="login")}
        if request.login_hint:
            query["login_hint"] = request.login_hint
        return HttpResponseRedirect(reverse("accounts:login") + "?" + urlencode(query))

    def _select_account(self, params, client, sign_in):
        return render(
            self.request,
            "oidc/select_account.html",
            {
                "client": client,
                "continue_url": resume_url(params, kind="selected", sid=sign_in.sid),
                "another_url": resume_url(params, kind="login"),
            },
        )

    def _show_consent(self, client, scopes, extra_claims, credentials):
        pending = self.request.session.get(PENDING_KEY, {})
        request_id = secrets.token_urlsafe(16)
        pending[request_id] = {
            "client_id": client.client_id,
            "scopes": scopes,
            "claims": extra_claims,
            "credentials": _serialisable(credentials),
        }
        # Bound the session: keep only the most recent pending requests.
        self.request.session[PENDING_KEY] = dict(list(pending.items())[-MAX_PENDING:])
        descriptions = conf.scopes()
        return render(
            self.request,
            "oidc/consent.html",
            {
                "client": client,
                "request_id": request_id,
                "scopes": [{"name": s, "description": descriptions.get(s, s)} for s in scopes],
                "extra_claims": [claims.describe(name) for name in extra_claims],
            },
        )


@method_decorator(never_cache, name="dispatch")
class SelectAccountView(View):
    """prompt=select_account (Core 3.1.2.1): continue as the signed-in person, or sign out and use another
    account. CSRF-protected; both answers go back to the request through its resume marker."""

    def post(self, request):
        target = request.POST.get("next", "")
        if not target.startswith(reverse("oidc:authorize") + "?"):
            return errors.error_page(
                request, error="invalid_request", description="This request is not valid."
            )
        if request.POST.get("choice") == "another":
            logout(request)
            return HttpResponseRedirect(reverse("accounts:login") + "?" + urlencode({"next": target}))
        return HttpResponseRedirect(target)


@method_decorator(never_cache, name="dispatch")
class ConsentView(AuthorizationMixin, View):
    """The consent decision. CSRF-protected; the request it answers was validated and kept in the session."""

    def get(self, request):
        return HttpResponseNotAllowed(["POST"])

    def post(self, request):
        pending = request.session.get(PENDING_KEY, {})
        entry = pending.pop(request.POST.get("request_id", ""), None)
        request.session[PENDING_KEY] = pending
        if entry is None or not request.user.is_authenticated:
            return errors.error_page(
                request,
                error="invalid_request",
                description="This sign-in request has expired or was already answered. Go back to the application and try again.",
            )
        client = Client.objects.filter(client_id=entry["client_id"], is_active=True).first()
        if client is None:
            return errors.error_page(
                request, error="invalid_client", description="This application is not available."
            )
        credentials = entry["credentials"]
        if request.POST.get("decision") != "allow":
            return self.respond_with_error(
                credentials, client, "access_denied", "The user denied the request."
            )
        consent.record(request.user, client, consent.items(entry["scopes"], entry.get("claims", [])), request)
        return self.issue(client, entry["scopes"], credentials)
