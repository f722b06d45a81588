"""What happens when a person has proved who they are, or when a sign-in must end: shared by the password,
second-factor and passkey views, the sessions page and password changes."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import auth
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from . import conf, mfa, security_log, session_store, sessions
from .models import SignIn

Kind = security_log.Kind


def safe_next(request: HttpRequest, candidate: str | None) -> str:
    """Only same-site targets (no open redirect through ?next=)."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def complete_sign_in(request: HttpRequest, user, *, amr: list[str], remember: bool) -> None:
    """Sign the person in with a new session id (login() cycles the key: no fixation), record how (amr feeds
    the sign-in registry, hence acr/amr in id_tokens), and apply "keep me signed in"."""
    mfa.clear_pending(request)
    previous = sessions.current(request)
    request.portico_amr = list(dict.fromkeys(amr))  # type: ignore[attr-defined]
    auth.login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session.set_expiry(conf.remember_me_seconds() if remember else 0)
    if previous is not None:
        # Re-authentication (prompt=login, a step-up) replaces this browser's earlier sign-in.
        SignIn.objects.filter(pk=previous.pk, ended_at__isnull=True).update(ended_at=timezone.now())
    security_log.record(user, Kind.SIGN_IN, request, amr=request.portico_amr)  # type: ignore[attr-defined]


def redirect_after_sign_in(request: HttpRequest, next_url: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(safe_next(request, next_url) or resolve_url(settings.LOGIN_REDIRECT_URL))


def end_sign_in(sign_in: SignIn, *, reason: str = "ended") -> list:
    """Sign out one browser from anywhere: the registry row ends (its apps are told: sessions.finish) and its
    Django session is deleted. Returns what the signed-out page needs (sessions.finish)."""
    outcomes = sessions.finish(sign_in, reason=reason)
    if sign_in.session_digest:
        session_store.delete_digest(sign_in.session_digest)
    return outcomes


def end_sign_ins(user, *, keep: SignIn | None = None, reason: str = "ended") -> int:
    """Sign the user out of every browser (but `keep`); returns how many were signed out."""
    live = SignIn.objects.filter(user=user, ended_at__isnull=True)
    if keep is not None:
        live = live.exclude(pk=keep.pk)
    ended = list(live)
    for sign_in in ended:
        end_sign_in(sign_in, reason=reason)
    return len(ended)


def sign_out(request: HttpRequest, *, reason: str) -> list:
    """Sign this browser out: its sign-in ends (apps told) and its session is flushed. Returns what the
    signed-out page needs (sessions.finish)."""
    current = sessions.current(request)
    outcomes = sessions.finish(current, reason=reason) if current is not None else []
    auth.logout(request)
    return outcomes


RECENT_SIGN_IN_SECONDS = 15 * 60


def signed_in_recently(request: HttpRequest) -> bool:
    """Security changes (a new factor, a new address) need a sign-in of the last few minutes, so an
    unattended or stolen session cannot make them."""
    current = sessions.current(request)
    return current is not None and (timezone.now() - current.auth_time).total_seconds() < RECENT_SIGN_IN_SECONDS


def reauthenticate_url(request: HttpRequest, next_url: str | None = None) -> str:
    user = request.user
    query = {"next": next_url or request.get_full_path(), "login_hint": getattr(user, "email", "") or user.get_username()}
    return resolve_url("accounts:login") + "?" + urlencode(query)


def live_sign_ins(user) -> list[SignIn]:
    """The user's sign-ins whose browser session still exists; those whose session expired or was closed
    are marked ended on the way."""
    live = []
    for sign_in in SignIn.objects.filter(user=user, ended_at__isnull=True):
        if sign_in.session_digest and not session_store.exists_digest(sign_in.session_digest):
            SignIn.objects.filter(pk=sign_in.pk).update(ended_at=timezone.now())
            continue
        live.append(sign_in)
    return live
