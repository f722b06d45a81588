"""The account pages: overview, profile, connected apps, sessions, security (MFA) and the security log."""

import json
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from oidc import interface

from .. import flows, mail_tasks, mfa, passkeys, security_log, sessions
from ..clientinfo import describe_device, describe_place
from ..forms import ConfirmPasswordForm, ProfileForm, TOTPSetupForm
from ..models import SignIn
from . import reconfirm

Kind = security_log.Kind
TOTP_SETUP_KEY = "portico_totp_setup"
NEW_CODES_KEY = "portico_new_recovery_codes"


@login_required
@never_cache
def home(request):
    user = request.user
    return render(
        request,
        "accounts/home.html",
        {
            "apps": len(interface.connected_apps(user)),
            "live_sessions": len(flows.live_sign_ins(user)),
            "has_totp": mfa.has_totp(user),
            "passkeys": user.passkeys.count(),
        },
    )


@login_required
@never_cache
def profile(request):
    user = request.user
    previous_email = user.email
    form = ProfileForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        new_email = form.cleaned_data["email"]
        profile_changes = [name for name in form.changed_data if name != "email"]
        form.instance.email = previous_email  # a new address waits for its owner to confirm it
        changing = new_email.lower() != previous_email.lower()
        if changing:
            if not flows.signed_in_recently(request):
                messages.info(request, _("Sign in again to change your email address."))
                return HttpResponseRedirect(flows.reauthenticate_url(request, reverse("accounts:profile")))
            form.instance.pending_email = new_email
            messages.info(request, _("We sent a link to %(email)s. Your address changes once you follow it.")
                          % {"email": new_email})
        elif user.pending_email and new_email.lower() == previous_email.lower():
            form.instance.pending_email = ""
        if "phone_number" in form.changed_data:
            form.instance.phone_number_verified = False  # a new number is not the one that was verified
        with transaction.atomic():  # the saved address and the tasks that mail it: both or neither
            form.save()
            if changing:
                _mail_address_change(user, previous_email, new_email)
        if profile_changes:
            security_log.record(user, Kind.PROFILE_UPDATED, request, fields=profile_changes)
            messages.success(request, _("Your profile was saved."))
        return HttpResponseRedirect(reverse("accounts:profile"))
    return render(request, "accounts/profile.html", {"form": form})


def _mail_address_change(user, previous_email: str, new_email: str) -> None:
    """A link to the new address; a notice to the old one, whose owner may not be the one asking."""
    mail_tasks.send_verification(user, new_email)
    if previous_email:
        mail_tasks.enqueue("email_change_notice", user_id=user.pk, to=previous_email, new_email=new_email)


@login_required
@never_cache
def apps(request):
    if request.method == "POST":
        name = interface.remove_access(request.user, request.POST.get("client_id", "").replace("\x00", ""))
        if name:
            security_log.record(request.user, Kind.CONSENT_REVOKED, request, app=name)
            messages.success(request, _("%(app)s no longer has access to your account.") % {"app": name})
        return HttpResponseRedirect(reverse("accounts:apps"))
    return render(request, "accounts/apps.html", {"apps": interface.connected_apps(request.user)})


@login_required
@never_cache
def session_list(request):
    current = sessions.current(request)
    rows = [
        {
            "sid": s.sid,
            "device": describe_device(s.user_agent),
            "place": describe_place(s.ip_address),
            "auth_time": s.auth_time,
            "last_seen": s.last_seen,
            "amr": s.amr,
            "current": current is not None and s.pk == current.pk,
        }
        for s in flows.live_sign_ins(request.user)
    ]
    rows.sort(key=lambda row: not row["current"])  # this device first
    return render(request, "accounts/sessions.html", {"sessions": rows})


@login_required
@require_POST
def session_end(request):
    current = sessions.current(request)
    if request.POST.get("scope") == "others":
        count = flows.end_sign_ins(request.user, keep=current, reason="sessions_page")
        if count:
            security_log.record(request.user, Kind.SESSION_ENDED, request, count=count)
        messages.success(request, _("Every other session was signed out."))
        return HttpResponseRedirect(reverse("accounts:sessions"))
    sid = request.POST.get("sid", "").replace("\x00", "")
    sign_in = get_object_or_404(SignIn, user=request.user, sid=sid, ended_at__isnull=True)
    if current is not None and sign_in.pk == current.pk:
        return interface.signed_out_page(request, flows.sign_out(request, reason="sessions_page"))
    flows.end_sign_in(sign_in, reason="sessions_page")
    security_log.record(request.user, Kind.SESSION_ENDED, request, device=describe_device(sign_in.user_agent))
    messages.success(request, _("That session was signed out."))
    return HttpResponseRedirect(reverse("accounts:sessions"))


@login_required
@never_cache
def security(request):
    user = request.user
    return render(
        request,
        "accounts/security.html",
        {
            "has_totp": mfa.has_totp(user),
            "recovery_left": mfa.recovery_codes_left(user),
            "passkeys": user.passkeys.all(),
        },
    )


@method_decorator([login_required, never_cache, sensitive_post_parameters("code")], name="dispatch")
class TOTPSetupView(View):
    """Scan the QR code (or type the key), then prove it works with one code; recovery codes are shown once."""

    def _secret(self, request) -> str:
        secret = request.session.get(TOTP_SETUP_KEY)
        if not secret:
            secret = request.session[TOTP_SETUP_KEY] = mfa.new_totp_secret()
        return secret

    def _render(self, request, form, status=200):
        secret = self._secret(request)
        uri = mfa.provisioning_uri(request.user, secret)
        grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
        return render(
            request,
            "accounts/totp_setup.html",
            {"form": form, "qr_svg": mfa.qr_svg(uri), "secret": grouped, "uri": uri},
            status=status,
        )

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not flows.signed_in_recently(request):
            messages.info(request, _("Sign in again to change your second step."))
            return HttpResponseRedirect(flows.reauthenticate_url(request))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return self._render(request, TOTPSetupForm())

    def post(self, request):
        form = TOTPSetupForm(request.POST)
        secret = self._secret(request)
        step = mfa.totp_matches(secret, form.cleaned_data["code"]) if form.is_valid() else None
        if step is not None:
            mfa.enable_totp(request.user, secret, used_step=step)
            request.session.pop(TOTP_SETUP_KEY, None)
            codes = mfa.new_recovery_codes(request.user)
            security_log.record(request.user, Kind.TOTP_ENABLED, request)
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "first_time": True})
        if form.is_valid():
            form.add_error("code", _("That code is not right. Check the time on your device and try again."))
        return self._render(request, form)


@method_decorator([login_required, never_cache, sensitive_post_parameters("password")], name="dispatch")
class ConfirmedActionView(View):
    """A change that asks for the password again: turning the authenticator off, new recovery codes."""

    action = ""

    def get(self, request):
        return self._render(ConfirmPasswordForm(user=request.user))

    def _render(self, form, status=200):
        return render(
            self.request,
            "accounts/confirm_password.html",
            {"form": form, "action": self.action, "has_passkeys": self.request.user.passkeys.exists()},
            status=status,
        )

    def post(self, request):
        form = ConfirmPasswordForm(request.POST, user=request.user)
        if not form.is_valid():
            return self._render(form)
        outcome = reconfirm.check(request, form.cleaned_data["password"])
        if outcome is reconfirm.Outcome.LOCKED:
            return reconfirm.end_session(request)
        if outcome is reconfirm.Outcome.SLOWED:
            reconfirm.slowed(form)
            return self._render(form, status=429)
        if outcome is reconfirm.Outcome.WRONG:
            form.wrong_password()
            return self._render(form)
        if self.action == "disable_totp":
            mfa.disable_totp(request.user)
            security_log.record(request.user, Kind.TOTP_DISABLED, request)
            messages.success(request, _("The authenticator app was turned off."))
            return HttpResponseRedirect(reverse("accounts:security"))
        codes = mfa.new_recovery_codes(request.user)
        security_log.record(request.user, Kind.RECOVERY_CODES, request)
        return render(request, "accounts/recovery_codes.html", {"codes": codes})


def _reauthenticate_json(request):
    return JsonResponse(
        {"error": _("Sign in again to add a passkey."), "redirect": flows.reauthenticate_url(request, reverse("accounts:security"))},
        status=403,
    )


@login_required
@require_POST
def passkey_register_options(request):
    if not flows.signed_in_recently(request):
        return _reauthenticate_json(request)
    return JsonResponse(json.loads(passkeys.registration_options(request, request.user)))


@login_required
@require_POST
def passkey_register(request):
    if not flows.signed_in_recently(request):
        return _reauthenticate_json(request)
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, RecursionError):  # RecursionError: JSON nested deeper than the parser goes
        body = {}
    if not isinstance(body, dict):
        body = {}
    try:
        passkey = passkeys.register(
            request,
            request.user,
            json.dumps(body.get("credential", {})),
            name=str(body.get("name", "")).strip() or _("Passkey"),
        )
    except passkeys.PasskeyError as error:
        return JsonResponse({"error": str(error)}, status=400)
    security_log.record(request.user, Kind.PASSKEY_ADDED, request, name=passkey.name)
    messages.success(request, _("Passkey “%(name)s” added.") % {"name": passkey.name})
    if mfa.recovery_codes_left(request.user) == 0:
        # A second step now guards the account: recovery codes are the way back if the passkey is lost.
        request.session[NEW_CODES_KEY] = mfa.new_recovery_codes(request.user)
        return JsonResponse({"redirect": reverse("accounts:recovery-codes-new")})
    return JsonResponse({"redirect": reverse("accounts:security")})


@login_required
@never_cache
def recovery_codes_new(request):
    """Recovery codes made along with a first passkey, shown once."""
    codes = request.session.pop(NEW_CODES_KEY, None)
    if not codes:
        return HttpResponseRedirect(reverse("accounts:security"))
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "first_time": True})


@login_required
@require_POST
def passkey_remove(request):
    if not flows.signed_in_recently(request):
        messages.info(request, _("Sign in again to remove a passkey."))
        return HttpResponseRedirect(flows.reauthenticate_url(request, reverse("accounts:security")))
    passkey_id = request.POST.get("passkey", "")
    passkey = get_object_or_404(
        request.user.passkeys, pk=int(passkey_id) if re.fullmatch(r"[0-9]{1,18}", passkey_id) else 0
    )
    name = passkey.name
    passkeys.remove(request.user, passkey.pk)
    security_log.record(request.user, Kind.PASSKEY_REMOVED, request, name=name)
    messages.success(request, _("Passkey “%(name)s” removed.") % {"name": name})
    return HttpResponseRedirect(reverse("accounts:security"))


@login_required
@never_cache
def security_log_page(request):
    events = request.user.security_events.all()[:100]
    return render(request, "accounts/log.html", {"events": events})
