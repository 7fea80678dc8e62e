"""Counting failures and requests in Flask-Limiter's storage (memory in embedded mode and
tests, Redis in production through ``RATELIMIT_STORAGE_URI``), so that every web process sees
the same counts.

Keys never contain an address or an IP in clear: they are HMACs (``core.crypto.hmac_id``). The
client IP is ``request.remote_addr``, which ProxyFix replaces only when
``MINIMIN_TRUSTED_PROXIES`` says a proxy is in front, so a forged ``X-Forwarded-For`` cannot
reset a limit.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from flask import Response, current_app, request
from flask_babel import gettext as _
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, Storage
from limits.strategies import MovingWindowRateLimiter

from minimin.core.crypto import hmac_id
from minimin.core.errors import error_response
from minimin.extensions import limiter


@dataclass(frozen=True)
class Rule:
    name: str
    limit: RateLimitItem


#: warehouse's figures: 10 failed sign-ins per 5 minutes, per account and per IP address.
LOGIN_FAILURES_PER_ACCOUNT = Rule("login-account", parse("10/5minutes"))
LOGIN_FAILURES_PER_IP = Rule("login-ip", parse("10/5minutes"))
#: Emails a person can cause to be sent to one address (silently skipped beyond this).
EMAILS_PER_ADDRESS = Rule("mail-address", parse("3/hour"))
#: Requests for emails (reset, resend) from one IP address: beyond this, 429.
EMAIL_REQUESTS_PER_IP = Rule("mail-ip", parse("10/15minutes"))
SIGNUPS_PER_IP = Rule("signup-ip", parse("20/hour"))
#: The password asked again before a change of email or password, the sign-in figures: someone
#: holding a signed-in browser must not be able to guess the password at request speed.
RECHECK_FAILURES_PER_ACCOUNT = Rule("recheck-account", parse("10/5minutes"))
RECHECK_FAILURES_PER_IP = Rule("recheck-ip", parse("10/5minutes"))


def _storage() -> Storage:
    """Flask-Limiter's storage; when request rate limits are switched off
    (``RATELIMIT_ENABLED=False``, for a load test, say) it has none, and the account
    protections (lockout after failed sign-ins, email limits) still count, in this process."""
    if current_app.config.get("RATELIMIT_ENABLED", True):
        return limiter.storage
    fallback: Storage = current_app.extensions.setdefault(
        "minimin_throttle_storage", MemoryStorage()
    )
    return fallback


def _strategy() -> MovingWindowRateLimiter:
    ext = current_app.extensions
    storage = _storage()
    cached = ext.get("minimin_throttle")
    if cached is None or cached[0] is not storage:
        cached = (storage, MovingWindowRateLimiter(storage))
        ext["minimin_throttle"] = cached
    return cached[1]


def _key(rule: Rule, subject: str) -> str:
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "") or ""
    return f"{prefix}minimin/{rule.name}/{hmac_id(subject, rule.name)}"


def client_ip() -> str:
    return request.remote_addr or "unknown"


def hit(rule: Rule, subject: str) -> bool:
    """Count one event; False when the limit was already reached (the event is not counted)."""
    return bool(_strategy().hit(rule.limit, _key(rule, subject)))


def allowed(rule: Rule, subject: str) -> bool:
    """Whether one more event would still be within the limit (counts nothing)."""
    return bool(_strategy().test(rule.limit, _key(rule, subject)))


def retry_after(rule: Rule, subject: str) -> int:
    """Seconds until one more event is allowed (0 if it is allowed now)."""
    if allowed(rule, subject):
        return 0
    stats = _strategy().get_window_stats(rule.limit, _key(rule, subject))
    return max(1, math.ceil(stats.reset_time - time.time()))


def too_many(seconds: int, detail: str | None = None) -> Response:
    """The 429 answer to a limited attempt, with ``Retry-After``; *detail* says which limit
    (by default: wait so many minutes)."""
    response = error_response(
        429,
        detail
        or _(
            "Too many attempts. Please wait %(minutes)d minutes and try again.",
            minutes=max(1, (seconds + 59) // 60),
        ),
    )
    response.headers["Retry-After"] = str(seconds)
    return response


def clear(rule: Rule, subject: str) -> None:
    _strategy().clear(rule.limit, _key(rule, subject))
