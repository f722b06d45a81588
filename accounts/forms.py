import re
import unicodedata
import zoneinfo
from datetime import date

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils.translation import gettext_lazy as _

from . import conf, emails

User = get_user_model()

SIGN_IN_FAILED = _("That username or email and password do not match. Check them and try again.")


class LoginForm(AuthenticationForm):
    """Username or email. The error for a wrong password, an unknown account and a disabled one is the same."""

    error_messages = {"invalid_login": SIGN_IN_FAILED, "inactive": SIGN_IN_FAILED}
    remember = forms.BooleanField(label=_("Keep me signed in"), required=False)

    def clean(self):
        username = self.cleaned_data.get("username")
        if username and "@" in username:
            user = User.objects.filter(email__iexact=username).only("username").first()
            if user is not None:
                self.cleaned_data["username"] = user.username
        return super().clean()


def find_user(identifier: str):
    """The account a sign-in identifier names (username, or email when it has an @), or None."""
    identifier = unicodedata.normalize("NFKC", identifier).strip()  # as Django's username field does
    if not identifier or "\x00" in identifier:
        return None  # PostgreSQL text cannot hold NUL; no account has one
    if "@" in identifier:
        found = User.objects.filter(email__iexact=identifier).first()
        if found is not None:
            return found
    return User.objects.filter(username=identifier).first()


class SecondFactorForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
        help_text=_("The 6-digit code from your authenticator app, or one of your recovery codes."),
    )


class SignUpForm(forms.Form):
    """Sign-up asks for an email, never a username: "that username is taken" would tell anyone which
    accounts exist. An address already in use gets an email instead of an error (accounts/views/signup.py)."""

    email = forms.EmailField(label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    given_name = forms.CharField(label=_("First name"), max_length=150, required=False,
                                 widget=forms.TextInput(attrs={"autocomplete": "given-name"}))
    family_name = forms.CharField(label=_("Last name"), max_length=150, required=False,
                                  widget=forms.TextInput(attrs={"autocomplete": "family-name"}))
    password1 = forms.CharField(label=_("Password"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("Repeat the password"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    invitation = forms.CharField(label=_("Invitation code"), max_length=100, required=False)
    accept_terms = forms.BooleanField(label=_("I accept the terms of service and the privacy policy"), required=False)

    def __init__(self, *args, needs_invitation: bool, needs_terms: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.needs_invitation = needs_invitation
        self.needs_terms = needs_terms
        if not needs_invitation:
            del self.fields["invitation"]
        else:
            self.fields["invitation"].required = True
        if not needs_terms:
            del self.fields["accept_terms"]
        else:
            self.fields["accept_terms"].required = True
            self.fields["accept_terms"].error_messages["required"] = _("Please accept the terms to continue.")
            if not conf.privacy_url():
                self.fields["accept_terms"].label = _("I accept the terms of service")
            elif not conf.terms_url():
                self.fields["accept_terms"].label = _("I accept the privacy policy")

    def clean_email(self):
        return self.cleaned_data["email"].strip()

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords do not match."))
        elif first:
            candidate = User(
                email=cleaned.get("email", ""),
                first_name=cleaned.get("given_name", ""),
                last_name=cleaned.get("family_name", ""),
            )
            try:
                password_validation.validate_password(first, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class PortalPasswordResetForm(PasswordResetForm):
    """Django's reset form (same answer whether or not the address has an account), with our templates and
    links built from the issuer rather than the Host header."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email,
                  html_email_template_name=None):
        emails.send("password_reset", to=to_email, context=context)


PHONE = re.compile(r"^\+[1-9][0-9]{6,14}$")
LOCALE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


class ProfileForm(forms.ModelForm):
    """The standard claims a person maintains themselves (Core 5.1), validated to their specified formats."""

    email = forms.EmailField(label=_("Email"), max_length=254)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    picture = forms.URLField(label=_("Picture (URL)"), required=False, assume_scheme="https")
    profile = forms.URLField(label=_("Profile page (URL)"), required=False, assume_scheme="https")

    class Meta:
        model = User
        fields = [
            "first_name", "last_name", "middle_name", "nickname", "preferred_username", "email",
            "phone_number", "birthdate", "gender", "website", "picture", "profile", "zoneinfo", "locale",
            "address_street_address", "address_locality", "address_region", "address_postal_code",
            "address_country",
        ]
        labels = {"first_name": _("First name"), "last_name": _("Last name")}
        widgets = {"birthdate": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pending_email:
            self.initial["email"] = self.instance.pending_email

    def clean_phone_number(self):
        value = "".join(self.cleaned_data["phone_number"].split()).replace("-", "")
        if value and not PHONE.match(value):
            raise forms.ValidationError(
                _("Use the international format: + then the country code and number, e.g. +33612345678.")
            )
        return value

    def clean_birthdate(self):
        value = self.cleaned_data["birthdate"]
        if value and not (date(1900, 1, 1) <= value <= date.today()):
            raise forms.ValidationError(_("Enter a date between 1900 and today."))
        return value

    def clean_zoneinfo(self):
        value = self.cleaned_data["zoneinfo"].strip()
        if value and value not in zoneinfo.available_timezones():
            raise forms.ValidationError(_("Use a time zone name such as Europe/Paris or America/New_York."))
        return value

    def clean_locale(self):
        value = self.cleaned_data["locale"].strip()
        if value and not LOCALE.match(value):
            raise forms.ValidationError(_("Use a language tag such as en, fr or fr-CA."))
        return value


class TOTPSetupForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class ConfirmPasswordForm(forms.Form):
    """Re-authentication before a sensitive change (turning a factor off). The password is checked by the
    view, through the sign-in throttle (accounts/views/reconfirm.py)."""

    password = forms.CharField(label=_("Your password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def wrong_password(self) -> None:
        self.add_error("password", _("That password is not right."))
