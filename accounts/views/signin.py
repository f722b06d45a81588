"""Signing in: password (with throttling), the second factor, passkeys, signing out."""

import json

from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from oidc.interface import client_for_next, signed_out_page

from .. import conf, events, flows, mail_tasks, mfa, passkeys, security_log, throttle
from ..clientinfo import client_ip
from ..forms import LoginForm, SecondFactorForm, find_user

Kind = security_log.Kind


def _reserve(keys: list[str | None]) -> throttle.Reservation:
    """Count the attempt before the password is looked at; a refusal is a sign-in metric."""
    decision = throttle.reserve(keys)
    if not decision.allowed:
        events.sign_in_refused.send(sender=None, reason="throttled")
    return decision


def _failed(decision: throttle.Reservation) -> bool:
    events.sign_in_refused.send(sender=None, reason="failed")
    return decision.failed()


def _throttled_message(decision: throttle.Reservation) -> str:
    minutes = (decision.retry_after + 59) // 60
    if decision.retry_after > 90:
        return _("Too many attempts. Sign-in is paused for about %(minutes)d minutes.") % {"minutes": minutes}
    seconds = max(decision.retry_after, 1)
    return ngettext(
        "Too many attempts. Wait %(seconds)d second and try again.",
        "Too many attempts. Wait %(seconds)d seconds and try again.",
        seconds,
    ) % {"seconds": seconds}


@method_decorator([sensitive_post_parameters("password"), never_cache], name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm

    def get_initial(self):
        # Core 3.1.2.1 login_hint: pre-fill the identifier the app already knows.
        return {"username": self.request.GET.get("login_hint", "")[:254]}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        next_url = self.get_redirect_url()
        context["asking_client"] = client_for_next(next_url)
        context["signup_url"] = (
            reverse("accounts:signup") + ("?" + urlencode({"next": next_url}) if next_url else "")
            if conf.signup_enabled()
            else ""
        )
        return context

    def post(self, request, *args, **kwargs):
        identifier = request.POST.get("username", "")[:254]
        known = find_user(identifier)
        account_keys = throttle.account_keys(identifier)
        keys = [*account_keys, throttle.ip_key(client_ip(request))]
        decision = _reserve(keys)  # counted before the password is looked at
        if not decision.allowed:
            # Refused before the password is looked at: an unbound form, so authenticate() never runs and the
            # page is the same whether the guess was right or not, for existing and unknown names alike.
            form = self.get_form_class()(request, initial={"username": identifier})
            context = self.get_context_data(form=form, notice=_throttled_message(decision))
            response = self.render_to_response(context, status=429)
            response["Retry-After"] = str(decision.retry_after)
            return response
        form = self.get_form()
        if not form.is_valid():
            locked = _failed(decision)
            if known is not None:
                security_log.record(known, Kind.SIGN_IN_FAILED, request)
                if locked:
                    security_log.record(known, Kind.SIGN_IN_LOCKED, request)
            return self.form_invalid(form)
        user = form.get_user()
        next_url = flows.safe_next(request, self.get_redirect_url())
        if user.self_registered and not user.email_verified:
            decision.succeeded()
            return _verify_first(request, user, next_url)
        remember = bool(form.cleaned_data.get("remember"))
        if mfa.has_second_factor(user):
            # The account counters are cleared only when the second step succeeds too: a right password
            # must not buy fresh attempts at the code. The network's count gives this attempt back now.
            decision.release()
            mfa.stash(request, user, amr=["pwd"], remember=remember, next_url=next_url,
                      throttle_keys=list(dict.fromkeys([*account_keys, throttle.user_key(user)])))
            return HttpResponseRedirect(reverse("accounts:second-factor"))
        decision.succeeded()
        flows.complete_sign_in(request, user, amr=["pwd"], remember=remember)
        return flows.redirect_after_sign_in(request, next_url)


def _verify_first(request, user, next_url):
    """A signed-up account signs in once its address is proved (otherwise someone could pre-register a
    victim's address and wait). A fresh link is sent at most every five minutes."""
    if cache.add(f"portico:verify-resent:{user.pk}", 1, timeout=300):
        mail_tasks.send_verification(user, user.email, next_url)
    return render(request, "accounts/verify_first.html", {"email": user.email}, status=403)


@method_decorator([sensitive_post_parameters("code"), never_cache], name="dispatch")
class SecondFactorView(View):
    """The second step of a sign-in: authenticator code, recovery code, or passkey."""

    template_name = "accounts/second_factor.html"

    def _context(self, pending, form, **extra):
        return {
            "form": form,
            "has_totp": mfa.has_totp(pending.user),
            "has_recovery_codes": mfa.recovery_codes_left(pending.user) > 0,
            # A passkey is a second factor only after something else: not after itself (a step-up).
            "has_passkeys": pending.user.passkeys.exists() and not {"hwk", "swk"} & set(pending.amr),
            "asking_client": client_for_next(pending.next),
            "start_again_url": reverse("accounts:login") + ("?" + urlencode({"next": pending.next}) if pending.next else ""),
            **extra,
        }

    def get(self, request):
        pending = mfa.pending(request)
        if pending is None:
            return HttpResponseRedirect(reverse("accounts:login"))
        return render(request, self.template_name, self._context(pending, SecondFactorForm()))

    def post(self, request):
        pending = mfa.pending(request)
        if pending is None:
            return HttpResponseRedirect(reverse("accounts:login"))
        keys = [*pending.throttle_keys, throttle.ip_key(client_ip(request))]
        decision = _reserve(keys)
        form = SecondFactorForm(request.POST)
        if not decision.allowed:
            mfa.clear_pending(request)
            context = self._context(pending, form, notice=_throttled_message(decision))
            return render(request, self.template_name, context, status=429)
        if form.is_valid():
            code = form.cleaned_data["code"]
            if mfa.verify_totp(pending.user, code):
                flows.complete_sign_in(request, pending.user, amr=[*pending.amr, "otp", "mfa"], remember=pending.remember)
                decision.succeeded()
                return flows.redirect_after_sign_in(request, pending.next)
            if mfa.use_recovery_code(pending.user, code):
                security_log.record(pending.user, Kind.RECOVERY_CODE_USED, request,
                                    left=mfa.recovery_codes_left(pending.user))
                flows.complete_sign_in(request, pending.user, amr=[*pending.amr, "otp", "mfa"], remember=pending.remember)
                decision.succeeded()
                return flows.redirect_after_sign_in(request, pending.next)
            _failed(decision)
            security_log.record(pending.user, Kind.SIGN_IN_FAILED, request, step="second factor")
            form.add_error("code", _("That code is not right, or was already used. Try the current code."))
        else:
            decision.release()  # nothing was checked
        return render(request, self.template_name, self._context(pending, form), status=200)


def _json_body(request) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, RecursionError):  # RecursionError: JSON nested deeper than the parser goes
        return {}
    return body if isinstance(body, dict) else {}


@require_POST
@never_cache
def passkey_options(request):
    """Options for navigator.credentials.get(): the pending user's passkeys for a second factor, any
    discoverable passkey for a passwordless sign-in."""
    pending = mfa.pending(request) if _json_body(request).get("second_factor") else None
    options = passkeys.authentication_options(request, pending.user if pending else None)
    return JsonResponse(json.loads(options))


@require_POST
@never_cache
def passkey_sign_in(request):
    body = _json_body(request)
    pending = mfa.pending(request) if body.get("second_factor") else None
    if pending is not None and {"hwk", "swk"} & set(pending.amr):
        return JsonResponse({"error": _("Use your authenticator app or a recovery code.")}, status=400)
    decision = _reserve([throttle.ip_key(client_ip(request))])
    if not decision.allowed:
        return JsonResponse({"error": _throttled_message(decision)}, status=429)
    try:
        passkey, amr = passkeys.authenticate(
            request, json.dumps(body.get("credential", {})), user=pending.user if pending else None
        )
    except passkeys.PasskeyError as error:
        _failed(decision)
        return JsonResponse({"error": str(error)}, status=400)
    if pending is not None:
        flows.complete_sign_in(request, passkey.user, amr=[*pending.amr, *amr, "mfa"], remember=pending.remember)
        throttle.clear(pending.throttle_keys)
        decision.succeeded()
        next_url = pending.next
    else:
        flows.complete_sign_in(request, passkey.user, amr=amr, remember=bool(body.get("remember")))
        next_url = flows.safe_next(request, str(body.get("next", "")))
        decision.succeeded()
    return JsonResponse({"redirect": flows.redirect_after_sign_in(request, next_url).url})


class LogoutView(auth_views.LogoutView):
    """Signing out of Portico signs out of the apps of this sign-in too (the signed-out page's front-channel
    iframes; back-channel through the provider)."""

    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            security_log.record(request.user, Kind.SIGN_OUT, request)
        return signed_out_page(request, flows.sign_out(request, reason="sign_out"))
