"""The sign-in session registry: which person authenticated in this browser, when, and how."""

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from . import events, session_store
from .clientinfo import client_ip, user_agent
from .models import SignIn

SESSION_KEY = "portico_sid"

# acr values (Core 2): "1" a single factor, "2" more than one (RFC 8176 "mfa").
ACR_SINGLE_FACTOR = "1"
ACR_MULTI_FACTOR = "2"
ACR_VALUES = [ACR_SINGLE_FACTOR, ACR_MULTI_FACTOR]


def acr_for(amr: list[str]) -> str:
    return ACR_MULTI_FACTOR if "mfa" in amr else ACR_SINGLE_FACTOR


def start(request: HttpRequest, user, *, amr: list[str]) -> SignIn:
    """Record a sign-in that just happened in this browser (called after django.contrib.auth.login, which
    has already given the session a new key)."""
    sign_in = SignIn.objects.create(
        user=user,
        session_digest=session_digest(request),
        amr=amr,
        acr=acr_for(amr),
        user_agent=user_agent(request),
        ip_address=client_ip(request),
    )
    request.session[SESSION_KEY] = sign_in.sid
    return sign_in


def session_digest(request: HttpRequest) -> str:
    """The stored form of this browser's session key (accounts/session_store.py)."""
    key = request.session.session_key
    return session_store.digest(key) if key else ""


def current(request: HttpRequest) -> SignIn | None:
    """This browser's live sign-in for the signed-in user, if any."""
    sid = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    user = getattr(request, "user", None)
    if not sid or user is None or not user.is_authenticated:
        return None
    return SignIn.objects.filter(sid=sid, user=user, ended_at__isnull=True).first()


def finish(sign_in: SignIn, *, reason: str) -> list:
    """End this sign-in, once: sign_in_ended's receivers (the apps' logouts) run in the same transaction.
    Returns what they returned (for the signed-out page), or [] when it had ended already."""
    with transaction.atomic():
        if not SignIn.objects.filter(pk=sign_in.pk, ended_at__isnull=True).update(ended_at=timezone.now()):
            return []
        responses = events.sign_in_ended.send(sender=SignIn, sign_in=sign_in, reason=reason)
    return [response for _receiver, response in responses if response is not None]


def end(request: HttpRequest) -> None:
    sid = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    sign_in = SignIn.objects.filter(sid=sid, ended_at__isnull=True).first() if sid else None
    if sign_in is not None:
        finish(sign_in, reason="sign_out")
