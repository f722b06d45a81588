"""Remembered consent (Core 3.1.2.4): asked once per user, client and set of scopes."""

from collections.abc import Iterable

from .models import Consent


def is_required(user, client, scopes: Iterable[str], *, prompt: set[str]) -> bool:
    """First-party clients never ask; prompt=consent always asks (Core 3.1.2.1); otherwise ask for new scopes."""
    if client.skip_authorization:
        return False
    if "consent" in prompt:
        return True
    consent = Consent.objects.filter(user=user, client=client).first()
    return consent is None or not consent.covers(scopes)


def record(user, client, scopes: Iterable[str]) -> Consent:
    consent, created = Consent.objects.get_or_create(
        user=user, client=client, defaults={"scopes": sorted(set(scopes))}
    )
    if not created and not consent.covers(scopes):
        consent.scopes = sorted(set(consent.scopes) | set(scopes))
        consent.save(update_fields=["scopes", "updated"])
    return consent
