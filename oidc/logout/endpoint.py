"""RP-Initiated Logout 1.0: the end_session_endpoint (GET and POST, section 2), the confirmation a person
gives when the request does not prove who it is for (section 6: no silent logout by a cross-site request),
and the way back to the app (section 3)."""

from dataclasses import asdict, dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.core import signing
from django.shortcuts import render
from django.utils.crypto import constant_time_compare
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.http import OAuth2ResponseRedirect

from accounts import flows, sessions

from .. import client_auth, conf, errors, subjects
from ..redirect_uris import on_hosts
from .frontchannel import signed_out_page
from .tokens import read_id_token_hint

CONFIRM_SALT = "portico.logout.confirm"
CONFIRM_MAX_AGE = 15 * 60


@dataclass(frozen=True)
class LogoutRequest:
    client_id: str = ""
    client_name: str = ""
    redirect_uri: str = ""  # registered for client_id, compared exactly
    state: str = ""
    hint_sub: str = ""  # from a verified id_token_hint only; the sub client_id knows the person by
    logout_hint: str = ""


def _hinted_client_id(params) -> tuple[str, str]:
    """Section 2: client_id, and the id_token_hint's audience, which must agree. Returns (client_id, sub)."""
    client_id = params.get("client_id", "")
    raw_hint = params.get("id_token_hint", "")
    if not raw_hint:
        return client_id, ""
    hint = read_id_token_hint(raw_hint)
    if hint is None:
        raise errors.InvalidRequest("The id_token_hint was not issued by this provider.")
    if client_id and client_id != hint.client_id:
        raise errors.InvalidRequest("The client_id does not match the id_token_hint.")
    return hint.client_id, hint.sub


def parse_logout_request(params) -> LogoutRequest:
    """Section 2 and 3: a post_logout_redirect_uri is used only when the client is known (client_id or
    id_token_hint) and registered it, compared as a plain string; anything else is an error page, never a
    redirect to a URI nobody registered."""
    client_id, hint_sub = _hinted_client_id(params)
    client = client_auth.active_client(client_id) if client_id else None
    if client_id and client is None:
        raise errors.InvalidRequest("The application is not known.")
    redirect_uri = params.get("post_logout_redirect_uri", "")
    if redirect_uri and client is None:
        raise errors.InvalidRequest("A post_logout_redirect_uri needs client_id or id_token_hint.")
    if redirect_uri and client is not None and not client.post_logout_redirect_uri_allowed(redirect_uri):
        raise errors.InvalidRequest("The post_logout_redirect_uri is not registered for this application.")
    return LogoutRequest(
        client_id=client_id,
        client_name=(client.name or client.client_id) if client else "",
        redirect_uri=redirect_uri,
        state=params.get("state", "") if redirect_uri else "",
        hint_sub=hint_sub,
        logout_hint=params.get("logout_hint", ""),
    )


def names_signed_in_person(logout: LogoutRequest, user) -> bool:
    """Section 2 / 6: only a verified id_token_hint for this very person lets the logout go without asking.
    (logout_hint alone proves nothing: anyone can write a name into a link.)"""
    client = client_auth.active_client(logout.client_id) if logout.hint_sub else None
    if client is None:
        return False
    return constant_time_compare(logout.hint_sub, subjects.sub_for(user, client))


def continue_url(logout: LogoutRequest) -> str:
    """Section 3: the registered URI with state added to its own query."""
    if not logout.redirect_uri:
        return ""
    if not logout.state:
        return logout.redirect_uri
    scheme, netloc, path, query, fragment = urlsplit(logout.redirect_uri)
    params = parse_qsl(query, keep_blank_values=True) + [("state", logout.state)]
    return urlunsplit((scheme, netloc, path, urlencode(params), fragment))


def finish(request, logout: LogoutRequest, outcomes: list):
    """The way out: the signed-out page when apps must be told in this browser (front-channel iframes) or
    there is nowhere to return to; otherwise straight back to the app."""
    target = continue_url(logout)
    client = client_auth.active_client(logout.client_id) if target else None
    # RFC 9700 4.11.2: a URI only an openly registered client vouches for is reached by a click, never at once
    # (docs/operations.md, Open registration), as for /authorize's errors.
    vetted = (
        client is None or not client.registered_openly or on_hosts(target, conf.registration_trusted_hosts())
    )
    if target and vetted and not any(getattr(o, "frontchannel", None) for o in outcomes):
        return OAuth2ResponseRedirect(target, client.get_allowed_schemes() if client else ["https"])
    return signed_out_page(request, outcomes, continue_url=target, auto_continue=vetted)


@method_decorator([csrf_exempt, never_cache], name="dispatch")
class EndSessionView(View):
    """Section 2: GET or form POST from the app (cross-site, hence exempt from CSRF: it ends nothing by
    itself unless an id_token_hint proves whom it is for)."""

    http_method_names = ["get", "post"]

    def get(self, request):
        return self.handle(request, request.GET)

    def post(self, request):
        return self.handle(request, request.POST)

    def handle(self, request, params):
        try:
            logout = parse_logout_request(params)
        except errors.OAuthError as error:
            return errors.page(request, error)
        if sessions.current(request) is None:
            return finish(request, logout, flows.sign_out(request, reason="rp_logout"))
        if names_signed_in_person(logout, request.user):
            return finish(request, logout, flows.sign_out(request, reason="rp_logout"))
        signed = signing.dumps(asdict(logout), salt=CONFIRM_SALT)
        return render(request, "oidc/logout_confirm.html", {"logout": logout, "signed": signed})


@method_decorator(never_cache, name="dispatch")
class ConfirmEndSessionView(View):
    """The person's own "Sign out" on the confirmation page: a same-site POST with Django's CSRF check."""

    http_method_names = ["post"]

    def post(self, request):
        try:
            logout = LogoutRequest(
                **signing.loads(request.POST.get("request", ""), salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
            )
        except (signing.BadSignature, TypeError):
            return errors.page(request, errors.InvalidRequest("This sign-out page has expired."))
        return finish(request, logout, flows.sign_out(request, reason="rp_logout"))
