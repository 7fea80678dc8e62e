"""In-process rate-limit counts (minimin.core.memory_limits): counted and expired as limits'
own memory storage does, swept by the counting request instead of a new timer thread."""

from __future__ import annotations

import threading
import time

from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter

from minimin.core.memory_limits import SCHEME, SweptMemoryStorage


def test_the_scheme_names_the_swept_storage() -> None:
    assert isinstance(storage_from_string(f"{SCHEME}://"), SweptMemoryStorage)


def test_counts_limit_and_expire_like_the_memory_storage() -> None:
    storage = SweptMemoryStorage()
    one_a_second = RateLimitItemPerSecond(2)
    for strategy in (FixedWindowRateLimiter(storage), MovingWindowRateLimiter(storage)):
        key = type(strategy).__name__
        assert strategy.hit(one_a_second, key)
        assert strategy.hit(one_a_second, key)
        assert not strategy.hit(one_a_second, key)
        time.sleep(1.05)
        assert strategy.hit(one_a_second, key)


def test_no_thread_is_started_per_count_and_expired_counts_are_swept() -> None:
    storage = SweptMemoryStorage()
    storage.SWEEP_SECONDS = 0.2  # type: ignore[misc]
    first_timer = storage.timer
    started = threading.active_count()
    for n in range(200):
        storage.incr(f"short-{n}", expiry=0.05)
        time.sleep(0.001)
    # limits' own storage replaces its 10 ms timer thread after nearly every count.
    assert storage.timer is first_timer
    assert threading.active_count() <= started
    time.sleep(0.3)
    storage.incr("later", expiry=60)
    assert not [key for key in storage.storage if key.startswith("short-")]
    assert storage.get("later") == 1


def test_pages_use_it_and_no_request_waits_for_an_application_wide_check(app) -> None:  # type: ignore[no-untyped-def]
    from minimin.extensions import limiter

    with app.app_context():
        assert isinstance(limiter.storage, SweptMemoryStorage)
    # Every limit sits on its view (the decorator checks it); none is application-wide.
    assert limiter._check_request_limit not in app.before_request_funcs.get(None, [])
