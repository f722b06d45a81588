"""What happens when a person has proved who they are, or when a sign-in must end: shared by the password,
second-factor and passkey views, the sessions page and password changes."""

from importlib import import_module

from django.conf import settings
from django.contrib import auth
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from . import conf, mfa, security_log, sessions
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


def end_sign_in(sign_in: SignIn) -> None:
    """Sign out one browser from anywhere: the registry row ends and its Django session is deleted."""
    SignIn.objects.filter(pk=sign_in.pk, ended_at__isnull=True).update(ended_at=timezone.now())
    if sign_in.session_key:
        import_module(settings.SESSION_ENGINE).SessionStore(session_key=sign_in.session_key).delete()


def end_other_sign_ins(request: HttpRequest, user) -> int:
    current = sessions.current(request)
    others = SignIn.objects.filter(user=user, ended_at__isnull=True)
    if current is not None:
        others = others.exclude(pk=current.pk)
    count = 0
    for sign_in in others:
        end_sign_in(sign_in)
        count += 1
    return count


def end_all_sign_ins(user) -> int:
    count = 0
    for sign_in in SignIn.objects.filter(user=user, ended_at__isnull=True):
        end_sign_in(sign_in)
        count += 1
    return count
