"""Every OAuth 2.0 / OpenID Connect error Portico answers, one class per spec error code, and the one place
they are rendered.

Each class knows its code, its HTTP status and whether it may be sent to the client's redirect URI
(RFC 6749 4.1.2.1: errors about the client or the redirect URI itself are shown to the person instead, and
nothing is ever sent to an unregistered URI). Code raises the class; the endpoint's one handler renders it:

- `respond()`: at the authorization endpoint, a redirect (or form_post) to a *registered* redirect URI
  (`Target`) when the error may go there, else an error page for the person;
- `token_response()`: the token endpoint family's JSON (RFC 6749 5.2), with `WWW-Authenticate` where the
  spec asks for one;
- `bearer_response()`: a protected resource's challenge (RFC 6750 3).

No error code string is written anywhere else.
"""

from dataclasses import dataclass
from typing import Any, ClassVar

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from oauth2_provider.http import OAuth2ResponseRedirect
from oauthlib.oauth2.rfc6749 import errors as oauthlib_errors

from . import conf, redirect_uris, responses


class OAuthError(Exception):
    error: ClassVar[str] = "server_error"
    status: ClassVar[int] = 400
    redirectable: ClassVar[bool] = True  # may be delivered to a registered redirect_uri
    default_description: ClassVar[str] = ""

    def __init__(self, description: str = "", *, redirectable: bool | None = None) -> None:
        super().__init__(description)
        self.description = description or self.default_description
        if redirectable is not None:
            self.redirectable = redirectable  # type: ignore[misc]

    def as_json(self) -> dict[str, str]:
        body = {"error": self.error}
        if self.description:
            body["error_description"] = self.description
        return body

    def to_oauthlib(self, request=None) -> oauthlib_errors.OAuth2Error:
        """The same error for code running inside oauthlib (the validator), which renders it itself."""
        return oauthlib_errors.CustomOAuth2Error(
            error=self.error, description=self.description, request=request, status_code=self.status
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.description!r})"


# ---- RFC 6749 4.1.2.1, 4.2.2.1 and 5.2 ----------------------------------------------------------------
class InvalidRequest(OAuthError):
    error = "invalid_request"


class InvalidClient(OAuthError):
    error = "invalid_client"
    status = 401
    redirectable = False  # the client itself is not trusted


class InvalidGrant(OAuthError):
    error = "invalid_grant"


class UnauthorizedClient(OAuthError):
    error = "unauthorized_client"


class UnsupportedGrantType(OAuthError):
    error = "unsupported_grant_type"


class AccessDenied(OAuthError):
    error = "access_denied"
    status = 403


class UnsupportedResponseType(OAuthError):
    error = "unsupported_response_type"


class InvalidScope(OAuthError):
    error = "invalid_scope"


class ServerError(OAuthError):
    error = "server_error"
    status = 500


class TemporarilyUnavailable(OAuthError):
    error = "temporarily_unavailable"
    status = 503


# ---- RFC 7009 2.2.1, RFC 8707 2 ----------------------------------------------------------------------
class UnsupportedTokenType(OAuthError):
    error = "unsupported_token_type"


class InvalidTarget(OAuthError):
    error = "invalid_target"


# ---- OpenID Connect Core 3.1.2.6, 6; Unmet Authentication Requirements 1.0 ---------------------------
class LoginRequired(OAuthError):
    error = "login_required"


class ConsentRequired(OAuthError):
    error = "consent_required"


class InteractionRequired(OAuthError):
    error = "interaction_required"


class AccountSelectionRequired(OAuthError):
    error = "account_selection_required"


class UnmetAuthenticationRequirements(OAuthError):
    error = "unmet_authentication_requirements"


class InvalidRequestObject(OAuthError):
    error = "invalid_request_object"


class InvalidRequestUri(OAuthError):
    error = "invalid_request_uri"


class RequestUriNotSupported(OAuthError):
    error = "request_uri_not_supported"


# ---- RFC 7591 3.2.2 -------------------------------------------------------------------------------------
class InvalidRedirectUri(OAuthError):
    error = "invalid_redirect_uri"
    redirectable = False


class InvalidClientMetadata(OAuthError):
    error = "invalid_client_metadata"
    redirectable = False


class TooManyRegistrations(TemporarilyUnavailable):
    """RFC 7591 defines no error for a rate limit: RFC 6749's temporarily_unavailable, with HTTP 429
    (RFC 6585 4) and Retry-After."""

    status = 429
    redirectable = False


# ---- RFC 6750 3.1 ---------------------------------------------------------------------------------------
class InvalidToken(OAuthError):
    error = "invalid_token"
    status = 401
    redirectable = False
    default_description = "The access token is invalid or has expired."


class MissingToken(InvalidToken):
    """RFC 6750 3.1: a request with no credentials at all is challenged without an error code."""

    default_description = "No access token was sent."


class NotFound(OAuthError):
    """The management API's answer for an unknown resource."""

    error = "not_found"
    status = 404
    redirectable = False


class MethodNotAllowed(InvalidRequest):
    status = 405
    redirectable = False


class InsufficientScope(OAuthError):
    error = "insufficient_scope"
    status = 403
    redirectable = False

    def __init__(self, description: str = "", *, scope: str = "") -> None:
        super().__init__(description)
        self.scope = scope


def _subclasses(cls: type[OAuthError]) -> list[type[OAuthError]]:
    return [cls] + [c for sub in cls.__subclasses__() for c in _subclasses(sub)]


BY_CODE: dict[str, type[OAuthError]] = {c.error: c for c in reversed(_subclasses(OAuthError)[1:])}


def from_oauthlib(error: oauthlib_errors.OAuth2Error) -> OAuthError:
    """oauthlib's error as Portico's class (same code and description)."""
    return BY_CODE.get(error.error, ServerError)(error.description or "")


# ---- rendering ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    """Where an authorization response may go: a redirect URI already matched against the client's registered
    ones (build it with `Target.registered`), the request's state and response mode."""

    redirect_uri: str
    state: str | None
    mode: str
    schemes: tuple[str, ...]
    # RFC 9700 4.11.2: False for a client registered openly whose URI is on no trusted host: errors go there
    # only on the person's click (PORTICO_REGISTRATION_TRUSTED_HOSTS, docs/operations.md).
    vetted: bool = True

    @classmethod
    def registered(cls, client: Any, redirect_uri: str, *, state: str | None, mode: str) -> "Target | None":
        """RFC 6749 4.1.2.1: a target only for a registered redirect URI of an active client."""
        if client is None or not redirect_uri or not client.redirect_uri_allowed(redirect_uri):
            return None
        trusted = redirect_uris.on_hosts(redirect_uri, conf.registration_trusted_hosts())
        vetted = not getattr(client, "registered_openly", False) or trusted
        return cls(redirect_uri, state or None, mode, tuple(client.get_allowed_schemes()), vetted)


def page(request, error: OAuthError) -> HttpResponse:
    """The error, shown to the person (the redirect URI cannot be trusted, or the error may not go there)."""
    status = error.status if error.status >= 500 else 400
    context = {"error": error.error, "description": error.description}
    return render(request, "oidc/error.html", context, status=status)


def _error_uri(error: OAuthError, target: Target) -> str:
    """Core 3.1.2.6: the error, its description, state and (RFC 9207 2) iss, placed as a response would be."""
    params = list(error.as_json().items())
    if target.state:
        params.append(("state", target.state))
    params.append(("iss", conf.issuer()))
    return responses.add_response_params(target.redirect_uri, params, mode=target.mode)


def redirect(request, error: OAuthError, target: Target) -> HttpResponse:
    """The error delivered like a response, by redirect or form_post."""
    uri = _error_uri(error, target)
    if target.mode == "form_post":
        return responses.form_post(request, uri)
    return OAuth2ResponseRedirect(uri, list(target.schemes))


def confirm(request, error: OAuthError, target: Target) -> HttpResponse:
    """RFC 9700 4.11.2: for a client nobody vetted, the error is shown and goes back only on a click, so
    /authorize cannot bounce a browser to any URI someone registered."""
    uri = _error_uri(error, target)
    if target.mode == "form_post":
        return responses.form_post(request, uri, auto=False, error=error)
    context = {"error": error.error, "description": error.description, "continue_uri": uri}
    context["host"] = responses.host(uri)
    response = render(request, "oidc/error_confirm.html", context, status=400)
    response["Cache-Control"] = "no-store"
    return response


def respond(request, error: OAuthError, target: Target | None) -> HttpResponse:
    """At the authorization endpoint: to the registered redirect URI when allowed, else a page."""
    if target is not None and error.redirectable:
        return redirect(request, error, target) if target.vetted else confirm(request, error, target)
    return page(request, error)


def basic_challenge() -> str:
    """RFC 6749 5.2 / RFC 7617 2: the challenge of a client that authenticated with HTTP Basic."""
    return f'Basic realm="{conf.issuer()}"'


def client_challenge(response, *, basic_auth: bool):
    """RFC 6749 5.2 for an answer oauthlib built: its 401 carries a Bearer challenge (RFC 6750, a resource
    server's). The client endpoints' challenge is Basic: required after HTTP Basic, and every 401 needs one
    (RFC 9110 15.5.2), naming the HTTP scheme they support. `basic_auth` says whether Basic was sent."""
    if response.status_code == 401:
        response["WWW-Authenticate"] = basic_challenge()
    return response


def token_response(error: OAuthError, *, basic_auth: bool = False) -> JsonResponse:
    """RFC 6749 5.2: JSON, never cached; a 401 after HTTP Basic carries a Basic challenge."""
    response = JsonResponse(error.as_json(), status=error.status)
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    if error.status == 401:  # RFC 6749 5.2 after HTTP Basic, RFC 9110 15.5.2 for every 401
        response["WWW-Authenticate"] = basic_challenge()
    if error.status == 503:
        response["Retry-After"] = "5"
    return response


def bearer_challenge(error: OAuthError) -> str:
    """RFC 6750 3: the challenge names the error, except when no credentials were sent (3.1)."""
    parts = [f'realm="{conf.issuer()}"']
    if not isinstance(error, MissingToken):
        parts.append(f'error="{error.error}"')
        parts.append(f'error_description="{error.description}"')
    if isinstance(error, InsufficientScope) and error.scope:
        parts.append(f'scope="{error.scope}"')
    return "Bearer " + ", ".join(parts)


def bearer_response(error: OAuthError) -> JsonResponse:
    """A protected resource's answer to a missing, invalid or insufficient access token (RFC 6750 3)."""
    body = {} if isinstance(error, MissingToken) else error.as_json()
    response = JsonResponse(body, status=error.status)
    response["WWW-Authenticate"] = bearer_challenge(error)
    return response
