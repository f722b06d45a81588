"""Remembered consent (Core 3.1.2.4): asked once per user, client and set of scopes and individually
requested claims (Core 5.5, kept as "claim:<name>" items)."""

from collections.abc import Iterable

from accounts import security_log

from .models import Consent


def items(scopes: Iterable[str], claim_names: Iterable[str] = ()) -> list[str]:
    return sorted(set(scopes) | {f"claim:{name}" for name in claim_names})


def has(user, client, consent_items: Iterable[str]) -> bool:
    """The person consented to these items for this client before (first-party clients ask nobody)."""
    consent = Consent.objects.filter(user=user, client=client).first()
    return consent is not None and consent.covers(consent_items)


def is_required(user, client, consent_items: Iterable[str]) -> bool:
    """First-party clients never ask; otherwise ask for anything not consented to before. (prompt=consent,
    which always asks, is decided in oidc/authrequest.py.)"""
    if client.skip_authorization:
        return False
    consent = Consent.objects.filter(user=user, client=client).first()
    return consent is None or not consent.covers(consent_items)


def record(user, client, consent_items: Iterable[str], request=None) -> Consent:
    consent, created = Consent.objects.get_or_create(
        user=user, client=client, defaults={"scopes": sorted(set(consent_items))}
    )
    if not created and not consent.covers(consent_items):
        consent.scopes = sorted(set(consent.scopes) | set(consent_items))
        consent.save(update_fields=["scopes", "updated"])
    elif not created:
        return consent
    security_log.record(
        user,
        security_log.Kind.CONSENT_GRANTED,
        request,
        app=client.name or client.client_id,
        granted=consent.scopes,
    )
    return consent
