"""Asking for the current password again (password change, turning a factor off, new recovery codes).

A stolen session must not be a way to guess the password at full speed: every re-confirmation is an attempt
on the sign-in throttle, counted on the account and the network like a sign-in, and once the account is
paused the session asking is ended (signed out, its apps told) rather than shown the form again. A paused
network (which others behind the same address may have caused) only refuses the attempt, like a slow-down.
"""

from enum import Enum

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from oidc.interface import signed_out_page

from .. import flows, security_log, throttle
from ..clientinfo import client_ip

Kind = security_log.Kind


class Outcome(Enum):
    RIGHT = "right"
    WRONG = "wrong"
    SLOWED = "slowed"  # too soon after the last failures: not checked, try again in a moment
    LOCKED = "locked"  # the account is paused: the session ends


def reserve(request: HttpRequest) -> throttle.Reservation:
    user = request.user
    keys = [
        *throttle.account_keys(user.get_username()),
        throttle.user_key(user),
        throttle.ip_key(client_ip(request)),
    ]
    return throttle.reserve(keys)


def settle(request: HttpRequest, attempt: throttle.Reservation, *, right: bool) -> Outcome:
    """Count a checked password: a wrong one is a failed sign-in attempt, and may pause the account."""
    if right:
        attempt.succeeded()
        return Outcome.RIGHT
    security_log.record(request.user, Kind.SIGN_IN_FAILED, request, step="password re-confirmation")
    if attempt.failed() and any(map(throttle.is_account_key, attempt.locking)):
        security_log.record(request.user, Kind.SIGN_IN_LOCKED, request)
        return Outcome.LOCKED
    return Outcome.WRONG


def refused(attempt: throttle.Reservation) -> Outcome:
    return Outcome.LOCKED if attempt.account_locked else Outcome.SLOWED


def check(request: HttpRequest, password: str) -> Outcome:
    attempt = reserve(request)
    if not attempt.allowed:
        return refused(attempt)
    return settle(request, attempt, right=request.user.check_password(password))


def end_session(request: HttpRequest) -> HttpResponse:
    """Too many wrong passwords from a signed-in browser: sign it out through the usual path (apps told)."""
    security_log.record(request.user, Kind.SIGN_OUT, request, reason="password re-confirmation paused")
    outcomes = flows.sign_out(request, reason="reconfirm_locked")
    messages.error(request, _("Too many wrong passwords. You were signed out."))
    response = signed_out_page(request, outcomes)
    response.status_code = 429
    return response


SLOWED_MESSAGE = gettext_lazy("Too many attempts. Wait a moment and try again.")


def slowed(form) -> None:
    form.add_error(None, SLOWED_MESSAGE)
