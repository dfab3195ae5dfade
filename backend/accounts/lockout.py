"""Failed sign-ins counted per username, so guessing one account's password from many
addresses is slowed as well (the per-IP throttle cannot see that).

A fixed window starts at the first failure; after CONVSCOPE_LOGIN_FAILURE_LIMIT failures the
username is refused until the window ends. A successful sign-in clears the count.
"""

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache


def _key(username: str) -> str:
    # Hashed: usernames may hold characters some cache backends refuse in keys.
    digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()
    return f"login-failures:{digest}"


def _window() -> int:
    return int(settings.CONVSCOPE_LOGIN_FAILURE_WINDOW_S)


def locked_for(username: str) -> float:
    """Seconds until this username may try again (0 when it is not locked)."""
    entry = cache.get(_key(username))
    if not entry or entry["count"] < settings.CONVSCOPE_LOGIN_FAILURE_LIMIT:
        return 0.0
    return max(0.0, entry["started"] + _window() - time.time())


def record_failure(username: str) -> None:
    key = _key(username)
    now = time.time()
    entry = cache.get(key)
    if not entry or entry["started"] + _window() <= now:
        entry = {"count": 0, "started": now}
    entry["count"] += 1
    cache.set(key, entry, timeout=max(1, int(entry["started"] + _window() - now) + 1))


def clear(username: str) -> None:
    cache.delete(_key(username))


def message(wait: float) -> str:
    minutes = max(1, math.ceil(wait / 60))
    return (
        f"Too many failed sign-ins for this username, wait {minutes} "
        f"minute{'s' if minutes != 1 else ''} and try again."
    )
