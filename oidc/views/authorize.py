"""The authorization endpoint (RFC 6749 3.1, Core 3.1.2): validate, sign in, consent, respond.

/authorize accepts GET and form POST (Core 3.1.2.1) without CSRF protection, as a cross-site request is
what it is for; it never acts on the user's behalf without a CSRF-protected step (login or consent form),
except for consent already given.
"""

import secrets
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseNotAllowed
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.exceptions import FatalClientError, OAuthToolkitError
from oauth2_provider.http import OAuth2ResponseRedirect
from oauth2_provider.views.mixins import OAuthLibMixin

from .. import conf, consent, errors
from ..models import Client
from ..params import has_nul

PENDING_KEY = "portico_pending_authorizations"
MAX_PENDING = 5


def _serialisable(credentials: dict) -> dict:
    out = {}
    for key, value in credentials.items():
        if key in {"request", "user"}:
            continue
        out[key] = sorted(value) if isinstance(value, set) else value
    return out


class AuthorizationMixin(OAuthLibMixin):
    def respond_error(self, error: OAuthToolkitError, client: Client | None = None):
        oauthlib_error = error.oauthlib_error
        if isinstance(error, FatalClientError) or not oauthlib_error.redirect_uri:
            return errors.error_page(
                self.request, error=oauthlib_error.error, description=oauthlib_error.description
            )
        mode = errors.response_mode_for(
            getattr(oauthlib_error, "response_type", "") or "", getattr(oauthlib_error, "response_mode", None)
        )
        return errors.error_redirect(
            oauthlib_error.redirect_uri,
            error=oauthlib_error.error,
            description=oauthlib_error.description,
            state=oauthlib_error.state,
            mode=mode,
            schemes=client.get_allowed_schemes() if client else ("http", "https"),
        )

    def issue(self, client: Client, scopes: list[str], credentials: dict):
        """Create the authorization response (code and/or tokens) for the signed-in user."""
        credentials = dict(credentials)
        credentials["auth_time"] = _session_auth_time(self.request)
        credentials["sid"] = self.request.session.get("sid", "")
        try:
            uri, _headers, _body, _status = self.create_authorization_response(
                request=self.request, scopes=" ".join(scopes), credentials=credentials, allow=True
            )
        except OAuthToolkitError as error:
            return self.respond_error(error, client)
        return OAuth2ResponseRedirect(uri, client.get_allowed_schemes())


def _session_auth_time(request):
    from datetime import UTC, datetime

    value = request.session.get("auth_time")
    return datetime.fromtimestamp(value, tz=UTC) if value else None


@method_decorator([csrf_exempt, never_cache], name="dispatch")
class AuthorizeView(AuthorizationMixin, View):
    http_method_names = ["get", "post"]

    def get(self, request):
        return self.authorize(request.GET)

    def post(self, request):
        return self.authorize(request.POST)

    def authorize(self, params):
        if has_nul(params):
            # No parameter can be trusted, the redirect_uri included: answer with a page.
            return errors.error_page(self.request, error="invalid_request", description="Malformed request.")
        try:
            scopes, credentials = self.validate_authorization_request(self.request)
        except OAuthToolkitError as error:
            return self.respond_error(error)
        client = Client.objects.get(client_id=credentials["client_id"])
        prompt = set(params.get("prompt", "").split())
        user = self.request.user

        if not user.is_authenticated or "login" in prompt:
            if "none" in prompt:
                return self._error(credentials, client, "login_required", "The user is not signed in.")
            return redirect_to_login(
                self._continue_url(params, drop_prompt="login"), reverse("accounts:login")
            )

        if consent.is_required(user, client, scopes, prompt=prompt):
            if "none" in prompt:
                return self._error(credentials, client, "consent_required", "The user has not consented yet.")
            return self._show_consent(client, scopes, credentials)
        return self.issue(client, scopes, credentials)

    def _continue_url(self, params, *, drop_prompt: str) -> str:
        query = []
        for key, value in params.items():
            if key == "prompt":
                value = " ".join(p for p in value.split() if p != drop_prompt)
                if not value:
                    continue
            query.append((key, value))
        return reverse("oidc:authorize") + "?" + urlencode(query)

    def _error(self, credentials, client, error, description):
        return errors.error_redirect(
            credentials["redirect_uri"],
            error=error,
            description=description,
            state=credentials.get("state"),
            mode=errors.response_mode_for(
                credentials.get("response_type", ""), self.request.GET.get("response_mode")
            ),
            schemes=client.get_allowed_schemes(),
        )

    def _show_consent(self, client, scopes, credentials):
        pending = self.request.session.get(PENDING_KEY, {})
        request_id = secrets.token_urlsafe(16)
        pending[request_id] = {
            "client_id": client.client_id,
            "scopes": scopes,
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
            },
        )


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
            return errors.error_redirect(
                credentials["redirect_uri"],
                error="access_denied",
                description="The user denied the request.",
                state=credentials.get("state"),
                mode=errors.response_mode_for(
                    credentials.get("response_type", ""), credentials.get("response_mode")
                ),
                schemes=client.get_allowed_schemes(),
            )
        consent.record(request.user, client, entry["scopes"])
        return self.issue(client, entry["scopes"], credentials)
