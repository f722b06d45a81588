"""Password reset by email and password change (Django's views, with our rules around them)."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from .. import flows, reset, security_log, sessions
from ..clientinfo import client_ip
from ..forms import PortalPasswordResetForm
from ..models import SignIn
from ..sessions import SESSION_KEY
from . import reconfirm

Kind = security_log.Kind


class PasswordResetView(auth_views.PasswordResetView):
    """Always the same answer ("if an account uses this address, we sent a link"): no enumeration. Links
    use Django's token, which dies with the password it was made for (single use) and after
    PASSWORD_RESET_TIMEOUT."""

    template_name = "accounts/password_reset_form.html"
    form_class = PortalPasswordResetForm
    success_url = reverse_lazy("accounts:password-reset-done")

    def form_valid(self, form):
        if not reset.may_request(client_ip(self.request), form.cleaned_data["email"]):
            form.add_error(None, _("Too many requests from your network. Try again later."))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        # The same work for every address: one task, whether or not an account uses it (no timing oracle).
        reset.request_reset(form.cleaned_data["email"])
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.user
        flows.end_sign_ins(user, reason="password_reset")  # whoever else was signed in is signed out
        if not user.email_verified:
            # Following the link proved the address.
            user.email_verified = True
            user.save(update_fields=["email_verified", "updated_at"])
        security_log.record(user, Kind.PASSWORD_RESET, self.request)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    """Needs the current password; keeps this browser signed in and signs out every other one."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:security")

    def post(self, request, *args, **kwargs):
        attempt = reconfirm.reserve(request)  # the current password is a sign-in attempt (throttled)
        if not attempt.allowed:
            if reconfirm.refused(attempt) is reconfirm.Outcome.LOCKED:
                return reconfirm.end_session(request)
            # An unbound form: binding it would check the password this refusal must not check.
            messages.error(request, reconfirm.SLOWED_MESSAGE)
            form = self.get_form_class()(user=request.user)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        form = self.get_form()
        outcome = reconfirm.settle(request, attempt, right="old_password" not in form.errors)
        if outcome is reconfirm.Outcome.LOCKED:
            return reconfirm.end_session(request)
        return self.form_valid(form) if form.is_valid() else self.form_invalid(form)

    def form_valid(self, form):
        response = super().form_valid(form)  # update_session_auth_hash gives this session a new key
        SignIn.objects.filter(sid=self.request.session.get(SESSION_KEY, "")).update(
            session_digest=sessions.session_digest(self.request)
        )
        ended = flows.end_sign_ins(self.request.user, keep=sessions.current(self.request), reason="password_change")
        security_log.record(self.request.user, Kind.PASSWORD_CHANGED, self.request, other_sessions_ended=ended)
        messages.success(self.request, _("Your password was changed. Other devices were signed out."))
        return response
