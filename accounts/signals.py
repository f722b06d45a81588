"""Sign-in bookkeeping: when and in which browser session the user actually authenticated.

auth_time in id_tokens comes from here (Core 2), never from last_login, which any later login elsewhere moves.
"""

import secrets
import time

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver


@receiver(user_logged_in)
def record_sign_in(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    request.session["auth_time"] = int(time.time())
    request.session["sid"] = secrets.token_urlsafe(24)
