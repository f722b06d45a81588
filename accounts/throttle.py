"""Sign-in throttling, per account and per client IP, in the shared cache (Redis, or the database table).

Failures are counted over a window. Past `slow_after` failures each attempt must wait (1 s, doubling up to a
minute) after the previous failure; past `lock_after` sign-in is paused until the window ends. An unknown
identifier is counted exactly like a known one, so the answers say nothing about which accounts exist.
"""

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache

from . import conf

MAX_DELAY = 60


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int = 0


def account_key(identifier: str, user=None) -> str:
    """One counter per account whichever identifier names it (username or email), else per typed value."""
    if user is not None:
        return f"portico:throttle:user:{user.pk}"
    digest = hashlib.sha256(identifier.strip().lower().encode()).hexdigest()
    return f"portico:throttle:name:{digest}"


def ip_key(ip: str | None) -> str | None:
    return f"portico:throttle:ip:{ip}" if ip else None


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
    for key in filter(None, keys):
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
    for key in filter(None, keys):
        state = cache.get(key) or {"failures": 0, "first": now}
        state = {"failures": state["failures"] + 1, "first": state["first"], "last": now}
        just_locked = state["failures"] == _limits_for(key).lock_after
        if just_locked:
            state["first"] = now  # the pause lasts a full window from the failure that caused it
        remaining = max(int(state["first"] + conf.throttle_window() - now), 1)
        cache.set(key, state, timeout=remaining)
        locked = locked or just_locked
    return locked


def clear(key: str) -> None:
    """A successful sign-in clears the account's counter (never the IP's: one's own account must not reset it)."""
    cache.delete(key)
