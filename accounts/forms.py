from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    """Username or email. The error for a wrong password and for an unknown account is the same."""

    error_messages = {
        "invalid_login": _("That username or email and password do not match. Check them and try again."),
        "inactive": _("That username or email and password do not match. Check them and try again."),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        if username and "@" in username:
            user = get_user_model().objects.filter(email__iexact=username).only("username").first()
            if user is not None:
                self.cleaned_data["username"] = user.username
        return super().clean()
