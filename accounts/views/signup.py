"""Creating an account (PORTICO_SIGNUP) and verifying an email address."""

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from oidc.interface import client_for_next

from .. import conf, flows, invitations, mail_tasks, security_log, throttle, verification
from ..clientinfo import client_ip
from ..forms import SignUpForm

User = get_user_model()
Kind = security_log.Kind


def _username_for(email: str) -> str:
    """Usernames are internal; the address is the sign-in name. Never reveal a clash: pick another."""
    candidate = email.lower()[:150]
    while User.objects.filter(username=candidate).exists():
        candidate = f"{email.lower()[:140]}-{secrets.token_hex(4)}"
    return candidate


@method_decorator([sensitive_post_parameters("password1", "password2", "invitation"), never_cache], name="dispatch")
class SignUpView(View):
    template_name = "accounts/signup.html"

    def _form(self, data=None):
        initial = {"invitation": self.request.GET.get("invite", "")}
        return SignUpForm(
            data,
            initial=initial,
            needs_invitation=conf.signup_mode() == "invite",
            needs_terms=bool(conf.terms_url() or conf.privacy_url()),
        )

    def _render(self, form, status=200):
        next_url = flows.safe_next(self.request, self.request.GET.get("next") or self.request.POST.get("next"))
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "next": next_url,
                "asking_client": client_for_next(next_url),
                "terms_url": conf.terms_url(),
                "privacy_url": conf.privacy_url(),
                "login_url": reverse("accounts:login") + ("?" + urlencode({"next": next_url}) if next_url else ""),
            },
            status=status,
        )

    def dispatch(self, request, *args, **kwargs):
        if not conf.signup_enabled():
            return render(request, "accounts/signup_closed.html", status=403)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return self._render(self._form())

    def post(self, request):
        form = self._form(request.POST)
        keys = [throttle.ip_key(client_ip(request), "signup")]
        if not throttle.peek(keys).allowed:
            form.add_error(None, _("Too many sign-ups from your network. Try again later."))
            return self._render(form, status=429)
        if not form.is_valid():
            return self._render(form)
        invitation = None
        if form.needs_invitation:
            invitation = invitations.usable(form.cleaned_data["invitation"])
            if invitation is None:
                form.add_error("invitation", _("This invitation is not valid, has expired or was already used."))
                return self._render(form)
        if not throttle.reserve(keys).allowed:  # counts sign-ups per network, successful or not
            form.add_error(None, _("Too many sign-ups from your network. Try again later."))
            return self._render(form, status=429)
        email = form.cleaned_data["email"]
        next_url = flows.safe_next(request, request.POST.get("next"))
        existing = User.objects.filter(email__iexact=email).first()
        if existing is not None:
            # The same page, in about the same time (one password hash), as for a new account; the invitation
            # is used up alike; the owner of the address learns someone tried.
            make_password(form.cleaned_data["password1"])
            if invitation is not None:
                invitations.consume(invitation, None)
            mail_tasks.enqueue("account_exists", user_id=existing.pk)
        elif self._create(form, invitation, next_url) is None:
            form.add_error("invitation", _("This invitation is not valid, has expired or was already used."))
            return self._render(form)
        return render(request, "accounts/check_email.html", {"email": email})

    @transaction.atomic
    def _create(self, form, invitation, next_url: str):
        data = form.cleaned_data
        user = User(
            username=_username_for(data["email"]),
            email=data["email"],
            first_name=data.get("given_name", ""),
            last_name=data.get("family_name", ""),
            self_registered=True,
        )
        user.set_password(data["password1"])
        user.save()
        if invitation is not None and not invitations.consume(invitation, user):
            transaction.set_rollback(True)  # used by a concurrent sign-up a moment ago
            return None
        security_log.record(user, Kind.ACCOUNT_CREATED, self.request)
        mail_tasks.send_verification(user, user.email, next_url)  # in this transaction; sent by the worker
        return user


@never_cache
def verify_email(request):
    """The link from a verification email. GET only shows a button: mail scanners fetch links, and must not
    confirm an address on the owner's behalf. The POST proves the address it names, for the account it names."""
    token = request.POST.get("token") if request.method == "POST" else request.GET.get("token", "")
    claim = verification.read_token(token or "")
    user = User.objects.filter(pk=claim.user_id).first() if claim else None
    if user is None or claim is None or claim.email.lower() not in (user.email.lower(), user.pending_email.lower()):
        return render(request, "accounts/verify_email.html", {"ok": False}, status=400)
    if request.method != "POST":
        return render(request, "accounts/verify_email.html", {"confirm": True, "token": token, "email": claim.email})
    if user.pending_email and claim.email.lower() == user.pending_email.lower():
        if User.objects.filter(email__iexact=claim.email).exclude(pk=user.pk).exists():
            return render(request, "accounts/verify_email.html", {"ok": False, "in_use": True}, status=409)
        user.email, user.pending_email, user.email_verified = user.pending_email, "", True
        user.save(update_fields=["email", "pending_email", "email_verified", "updated_at"])
        security_log.record(user, Kind.EMAIL_VERIFIED, request, email=user.email)
    elif not user.email_verified:
        user.email_verified = True
        user.save(update_fields=["email_verified", "updated_at"])
        security_log.record(user, Kind.EMAIL_VERIFIED, request, email=user.email)
    next_url = flows.safe_next(request, claim.next)
    if request.user.is_authenticated:
        continue_url = next_url or reverse("accounts:home")
    else:
        continue_url = reverse("accounts:login") + "?" + urlencode(
            {"login_hint": user.email, **({"next": next_url} if next_url else {})}
        )
    return render(request, "accounts/verify_email.html", {"ok": True, "continue_url": continue_url})
