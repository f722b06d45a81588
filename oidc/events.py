"""Signals the provider sends (definitions only, so any module can receive them without an import circle)."""

from django.dispatch import Signal

# Sent (sender=Client, client=..., user=..., given=True or False) when a person answers the consent page
# (Core 3.1.2.4). Operations counts the answers (ops/receivers.py).
consent_decided = Signal()
