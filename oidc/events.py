"""Signals the provider sends (definitions only, so any module can receive them without an import circle)."""

from django.dispatch import Signal

# Sent (sender=Client, client=..., user=..., given=True or False) when a person answers the consent page
# (Core 3.1.2.4). Operations counts the answers (ops/receivers.py).
consent_decided = Signal()

# Sent (sender=SigningKey, alg=..., retired=[kids], activated=kid) when a rotation activates a new signing key.
key_rotated = Signal()

# Sent (sender=Client, client=..., user=None or the person, revoked=clients.Revoked) when everything a client
# holds (for one person or all) is revoked: by an administrator, the management API or the person.
tokens_revoked = Signal()
