"""Signals accounts sends (definitions only, so any module can send or receive them without an import
circle)."""

from django.dispatch import Signal

# Sent (sender=SignIn, sign_in=..., reason=...) inside the transaction that ends a sign-in, once per sign-in,
# however it ends. The provider listens (oidc/logout/sessions.py: logouts to the apps of that session); what
# receivers return is handed back to whoever ended it (accounts/sessions.finish), opaque to accounts.
sign_in_ended = Signal()

# Sent (sender=None, reason="failed" or "throttled") when a sign-in step refuses an attempt: a wrong password,
# second factor or passkey, or an attempt refused by throttling before it was looked at. Operations counts
# them (ops/receivers.py); successes are SecurityEvent rows of kind sign_in.
sign_in_refused = Signal()
