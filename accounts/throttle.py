"""Sign-in throttling, per account and per client IP, in counters shared by every worker (a database table).

Attempts are counted over a window. Past `slow_after` attempts each one must wait (1 s, doubling up to a
minute) after the previous one; past `lock_after` sign-in is paused until the window ends. An unknown
identifier is counted exactly like a known one, so the answers say nothing about which accounts exist.

An attempt is *reserved* (counted, under a row lock) before the password is looked at, and the reservation
is released only when it succeeds: parallel guesses cannot all read the same count and all be evaluated.
"""

import hashlib
import ipaddress
import time
import unicodedata
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F

from . import conf
from .models import ThrottleCounter

MAX_DELAY = 60
IP_PREFIX = "portico:throttle:ip:"


def normalize(identifier: str) -> str:
    """What a typed identifier means: NFKC (as Django's username field applies before authenticating, so
    "ａlice" is "alice") and case-folded."""
    return unicodedata.normalize("NFKC", identifier).strip().casefold()


def account_keys(identifier: str) -> list[str]:
    """The counter for what was typed, normalized (so guesses spread over spellings of one name add up), kept
    for known and unknown names alike, so the answers do not depend on whether the account exists.

    Per identifier, not per account: were the account's username and email one counter, locking the email
    would lock the username too, and anyone could learn which username goes with an address. The price is
    one allowance per identifier (username and email: twice lock_after guesses a window). The second step
    and re-confirmations, which know the account, count on user_key() as well."""
    digest = hashlib.sha256(normalize(identifier).encode()).hexdigest()
    return [f"portico:throttle:name:{digest}"]


def user_key(user) -> str:
    return f"portico:throttle:user:{user.pk}"


def bucket(ip: str) -> str:
    """Per IPv4 address; IPv6 per /64, the block one subscriber usually holds. An IPv4-mapped IPv6 address
    (RFC 4291 2.5.5.2, ::ffff:a.b.c.d, what a dual-stack socket reports for IPv4 peers) is its IPv4 address:
    grouped by /64 every IPv4 client would share one bucket."""
    address = ipaddress.ip_address(ip)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address) + "/64"
    return str(address)


def ip_key(ip: str | None, purpose: str = "") -> str | None:
    if not ip:
        return None
    return f"{IP_PREFIX}{bucket(ip)}{':' + purpose if purpose else ''}"


def is_account_key(key: str) -> bool:
    """A typed name's or an account's counter, not a network's."""
    return not key.startswith(IP_PREFIX)


def _limits_for(key: str) -> conf.ThrottleLimits:
    return conf.throttle_ip() if key.startswith(IP_PREFIX) else conf.throttle_account()


def delay_for(attempts: int, limits: conf.ThrottleLimits) -> int | None:
    """Seconds to wait after the last attempt; None when locked for the rest of the window."""
    if attempts >= limits.lock_after:
        return None
    if attempts < limits.slow_after:
        return 0
    return min(2 ** (attempts - limits.slow_after), MAX_DELAY)


def _wait(row: ThrottleCounter, now: float) -> int:
    delay = delay_for(row.attempts, _limits_for(row.key))
    if delay is None:
        return int(row.first + conf.throttle_window() - now)
    return int(row.last + delay - now + 0.999) if delay else 0


def _is_locked(row: ThrottleCounter) -> bool:
    return row.attempts >= _limits_for(row.key).lock_after


def _lock(keys: list[str]) -> None:
    """Row locks on `keys` in key order, as reserve() takes them: a multi-row UPDATE or DELETE locks rows in
    scan order, and two transactions locking the same rows in different orders deadlock (PostgreSQL 13.3.4).
    Call inside transaction.atomic()."""
    list(ThrottleCounter.objects.select_for_update().filter(key__in=keys).order_by("key").values_list("pk"))


@dataclass
class Reservation:
    """One attempt, counted on every key before it is evaluated. Refused (allowed False) nothing is counted."""

    allowed: bool
    retry_after: int = 0
    locked: bool = False  # refused for the rest of the window, not only slowed down
    account_locked: bool = False  # ... because of an account key (not only the network's)
    counts: dict[str, int] = field(default_factory=dict)
    locking: list[str] = field(default_factory=list)  # the keys failed() locked

    def failed(self, *, now: float | None = None) -> bool:
        """The attempt failed: it stays counted. True when it is the one that locked a key; the pause then
        lasts a full window from it."""
        now = time.time() if now is None else now
        locking = [key for key, n in self.counts.items() if n == _limits_for(key).lock_after]
        self.locking = locking
        if locking:
            with transaction.atomic():
                _lock(locking)
                ThrottleCounter.objects.filter(key__in=locking).update(
                    first=now, expires=now + conf.throttle_window()
                )
        return bool(locking)

    def release(self) -> None:
        """The attempt was not evaluated after all (e.g. a right password awaiting its second factor)."""
        keys = list(self.counts)
        if keys:
            with transaction.atomic():
                _lock(keys)
                ThrottleCounter.objects.filter(key__in=keys, attempts__gt=0).update(
                    attempts=F("attempts") - 1
                )
        self.counts = {}

    def succeeded(self) -> None:
        """A completed sign-in clears its account counters; the IP's only gives back this attempt (one's own
        account must not reset the network's count)."""
        ip_keys = [key for key in self.counts if key.startswith(IP_PREFIX)]
        if self.counts:
            with transaction.atomic():
                _lock(list(self.counts))
                ThrottleCounter.objects.filter(key__in=[k for k in self.counts if k not in ip_keys]).delete()
                ThrottleCounter.objects.filter(key__in=ip_keys, attempts__gt=0).update(
                    attempts=F("attempts") - 1
                )
        self.counts = {}


def reserve(keys: list[str | None], *, now: float | None = None) -> Reservation:
    """Count one attempt on every key, atomically with the decision (row locks, taken in key order)."""
    now = time.time() if now is None else now
    names = sorted(set(filter(None, keys)))
    window = conf.throttle_window()
    with transaction.atomic():
        ThrottleCounter.objects.bulk_create(
            [ThrottleCounter(key=k, first=now, last=now, expires=now + window) for k in names],
            ignore_conflicts=True,
        )
        rows = list(ThrottleCounter.objects.select_for_update().filter(key__in=names).order_by("key"))
        for row in rows:
            if row.expires <= now:  # a new window
                row.attempts, row.first, row.last, row.expires = 0, now, now, now + window
        wait = max([_wait(row, now) for row in rows if row.attempts], default=0)
        if wait > 0:
            ThrottleCounter.objects.bulk_update(
                [r for r in rows if not r.attempts], ["first", "last", "expires"]
            )
            return Reservation(
                allowed=False,
                retry_after=wait,
                locked=any(map(_is_locked, rows)),
                account_locked=any(_is_locked(row) for row in rows if is_account_key(row.key)),
            )
        for row in rows:
            row.attempts += 1
            row.last = now
        ThrottleCounter.objects.bulk_update(rows, ["attempts", "first", "last", "expires"])
    return Reservation(allowed=True, counts={row.key: row.attempts for row in rows})


def within(key: str, *, limit: int, window: int, now: float | None = None) -> bool:
    """A plain allowance: at most `limit` uses of `key` every `window` seconds, counted under a row lock. A
    refused use is not counted."""
    now = time.time() if now is None else now
    with transaction.atomic():
        ThrottleCounter.objects.bulk_create(
            [ThrottleCounter(key=key, first=now, last=now, expires=now + window)], ignore_conflicts=True
        )
        row = ThrottleCounter.objects.select_for_update().get(key=key)
        if row.expires <= now:
            row.attempts, row.first, row.expires = 0, now, now + window
        allowed = row.attempts < limit
        row.attempts += int(allowed)
        row.last = now
        row.save()
    return allowed


def clear(keys: list[str | None]) -> None:
    """Clear account counters (never the IP's: one's own account must not reset it)."""
    names = [k for k in keys if k and not k.startswith(IP_PREFIX)]
    with transaction.atomic():
        _lock(names)
        ThrottleCounter.objects.filter(key__in=names).delete()


def peek(keys: list[str | None], *, now: float | None = None) -> Reservation:
    """The decision reserve() would make, counting nothing (for showing a pause)."""
    now = time.time() if now is None else now
    rows = ThrottleCounter.objects.filter(key__in=list(filter(None, keys)), expires__gt=now, attempts__gt=0)
    wait = max([_wait(row, now) for row in rows], default=0)
    return Reservation(allowed=wait <= 0, retry_after=max(wait, 0))


def purge_expired(*, now: float | None = None) -> int:
    now = time.time() if now is None else now
    return ThrottleCounter.objects.filter(expires__lte=now).delete()[0]
