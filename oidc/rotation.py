"""Signing key lifecycle: next (published, not signing) -> active (signing) -> retired (published so that
what it signed still verifies) -> removed.

A key is activated only after it has been in the JWKS for at least the JWKS cache lifetime plus the
in-process key-set refresh (publish_lead), so a client holding a cached JWKS can always verify a new
token; a retired key stays published until everything it signed has expired (retention). The scheduled
`rotate_keys --if-due` keeps a next key published for each algorithm, promotes it when the active key is
older than PORTICO_KEY_ROTATION_DAYS, and removes retired keys past retention.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from config import at_rest

from . import conf, constants, events, keys
from .models import SigningKey


@dataclass(frozen=True)
class Outcome:
    alg: str
    action: str  # "rotated" | "prepared" | "waiting" | "nothing"
    detail: str
    activates_after: datetime | None = None


def publish_lead() -> timedelta:
    return timedelta(seconds=conf.jwks_max_age() + keys.KEYSET_TTL)


def retention() -> timedelta:
    """Everything a key signs (id_tokens, signed userinfo, logout tokens) expires within the id_token
    lifetime; a client may have fetched the JWKS just before retirement, hence the cache lifetime on top."""
    return timedelta(seconds=conf.id_token_ttl() + conf.jwks_max_age())


def rotate(alg: str, *, now: datetime | None = None) -> Outcome:
    """Promote the published next key if it is old enough, retiring the active one, and publish a fresh
    next key; otherwise publish a next key (if there is none) and say when it can be activated."""
    now = now or timezone.now()
    if alg not in constants.SIGNING_ALGS:
        raise ValueError(f"unsupported signing algorithm: {alg}")
    with transaction.atomic():
        # Lock this algorithm's keys so two rotations (cron on two hosts, admin + cron) serialise, then
        # read them again: the second rotation must see what the first committed, new rows included.
        list(SigningKey.objects.select_for_update().filter(alg=alg).exclude(state="retired"))
        rows = list(SigningKey.objects.filter(alg=alg).exclude(state="retired"))
        ready = [k for k in rows if k.state == "next" and k.created <= now - publish_lead()]
        pending = [k for k in rows if k.state == "next"]
        if not ready:
            if pending:
                key = min(pending, key=lambda k: k.created)
                after = key.created + publish_lead()
                return Outcome(alg, "waiting", f"next key {key.kid} is not published long enough yet", after)
            key = keys.create_signing_key(alg=alg, state="next")
            keys.clear_cache()
            after = key.created + publish_lead()
            return Outcome(alg, "prepared", f"published next key {key.kid}", after)
        incoming = min(ready, key=lambda k: k.created)
        retiring = [k.kid for k in rows if k.state == "active"]
        # Retire first: one_active_key_per_alg is checked statement by statement.
        SigningKey.objects.filter(alg=alg, state="active").update(state="retired", retired_at=now)
        SigningKey.objects.filter(pk=incoming.pk).update(state="active", activated_at=now)
        fresh = keys.create_signing_key(alg=alg, state="next")
    keys.clear_cache()
    events.key_rotated.send(sender=SigningKey, alg=alg, retired=retiring, activated=incoming.kid)
    old = ", ".join(retiring) or "none"
    return Outcome(alg, "rotated", f"{old} -> {incoming.kid}; published next key {fresh.kid}")


def rotate_if_due(alg: str, *, now: datetime | None = None) -> Outcome:
    """The scheduled path: keep a next key published; rotate when the active key reaches its period."""
    now = now or timezone.now()
    period = conf.key_rotation_days()
    active = SigningKey.objects.filter(alg=alg, state="active").first()
    has_next = SigningKey.objects.filter(alg=alg, state="next").exists()
    if active is None:
        return rotate(alg, now=now)
    due = period > 0 and (active.activated_at or active.created) <= now - timedelta(days=period)
    if due or not has_next:
        return rotate(alg, now=now)
    return Outcome(alg, "nothing", f"active key {active.kid} is not due")


def purge_retired(*, now: datetime | None = None) -> list[str]:
    """Remove retired keys once everything they signed has expired."""
    now = now or timezone.now()
    expired = SigningKey.objects.filter(state="retired", retired_at__lte=now - retention())
    kids = list(expired.values_list("kid", flat=True))
    if kids:
        SigningKey.objects.filter(kid__in=kids).delete()
        keys.clear_cache()
    return kids


def reencrypt() -> int:
    """Re-encrypt every private key under the current key-encryption key (after PORTICO_KEY_ENCRYPTION_KEY
    or SECRET_KEY changed with the old value kept as a fallback). Returns the number of keys rewritten."""
    count = 0
    with transaction.atomic():
        for row in SigningKey.objects.select_for_update():
            rewritten = at_rest.reencrypt(row.private_key_encrypted)
            SigningKey.objects.filter(pk=row.pk).update(private_key_encrypted=rewritten)
            count += 1
    return count
