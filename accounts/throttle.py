"""Sign-in throttling, per account and per client IP, in the shared cache (Redis, or the database table).

Failures are counted over a window. Past `slow_after` failures each attempt must wait (1 s, doubling up to a
minute) after the previous failure; past `lock_after` sign-in is paused until the window ends. An unknown
identifier is counted exactly like a known one, so the answers say nothing about which accounts exist.
"""

import hashlib
import ipaddress
import time
import unicodedata
from dataclasses import dataclass

from django.core.cache import cache

from . import conf

MAX_DELAY = 60


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int = 0


def normalize(identifier: str) -> str:
    """What a typed identifier means: NFKC (as Django's username field applies before authenticating, so
    "ａlice" is "alice") and case-folded."""
    return unicodedata.normalize("NFKC", identifier).strip().casefold()


def account_keys(identifier: str, user=None) -> list[str]:
    """A counter for what was typed (normalized), and one for the account it names, if any: guesses spread
    over spellings of one name, or over its username and email, still add up. The typed-name counter is kept
    for known and unknown names alike, so the answers do not depend on whether the account exists."""
    digest = hashlib.sha256(normalize(identifier).encode()).hexdigest()
    keys = [f"portico:throttle:name:{digest}"]
    if user is not None:
        keys.append(f"portico:throttle:user:{user.pk}")
    return keys


def user_key(user) -> str:
    return f"portico:throttle:user:{user.pk}"


def ip_key(ip: str | None, purpose: str = "") -> str | None:
    """Per address; IPv6 per /64, the block one subscriber usually holds."""
    if not ip:
        return None
    address = ipaddress.ip_address(ip)
    if address.version == 6:
        ip = str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address) + "/64"
    return f"portico:throttle:ip:{ip}{':' + purpose if purpose else ''}"


def _limits_for(key: str) -> conf.ThrottleLimits:
    return conf.throttle_ip() if key.startswith("portico:throttle:ip:") else conf.throttle_account()


def delay_for(failures: int, limits: conf.ThrottleLimits) -> int | None:
    """Seconds to wait after the last failure; None when locked for the rest of the window."""
    if failures >= limits.lock_after:
        return None
    if failures < limits.slow_after:
        return 0
    return min(2 ** (failures - limits.slow_after), MAX_DELAY)


def check(keys: list[str | None], *, now: float | None = None) -> Decision:
    now = time.time() if now is None else now
    wait = 0
    for key in filter(None, dict.fromkeys(keys)):
        state = cache.get(key)
        if not state:
            continue
        delay = delay_for(state["failures"], _limits_for(key))
        if delay is None:
            remaining = int(state["first"] + conf.throttle_window() - now)
            wait = max(wait, remaining)
        else:
            wait = max(wait, int(state["last"] + delay - now + 0.999))
    return Decision(allowed=wait <= 0, retry_after=max(wait, 0))


def record_failure(keys: list[str | None], *, now: float | None = None) -> bool:
    """Count one failure on every key; True when this failure locked one of them."""
    now = time.time() if now is None else now
    locked = False
    for key in filter(None, dict.fromkeys(keys)):  # each counter once, however often it is named
        state = cache.get(key) or {"failures": 0, "first": now}
        state = {"failures": state["failures"] + 1, "first": state["first"], "last": now}
        just_locked = state["failures"] == _limits_for(key).lock_after
        if just_locked:
            state["first"] = now  # the pause lasts a full window from the failure that caused it
        remaining = max(int(state["first"] + conf.throttle_window() - now), 1)
        cache.set(key, state, timeout=remaining)
        locked = locked or just_locked
    return locked


def clear(keys: list[str | None]) -> None:
    """A completed sign-in clears its account counters (never the IP's: one's own account must not reset it)."""
    cache.delete_many([key for key in keys if key and not key.startswith("portico:throttle:ip:")])
