"""Rate-limit counts in process memory (embedded mode and tests), swept without a thread.

``limits``' own in-memory storage forgets expired counts from a timer thread that it starts
again, 10 ms later, after nearly every count: a new thread per request under load, which made
every API request wait about 2 ms for the thread to start. Expired counts need no timely
sweeping (every read compares times itself); the sweep only returns their memory. Here the
request that counts does it, at most once a second, and never two threads at once.

Registered with ``limits`` as the ``minimin-memory://`` storage (``config.py``).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from limits.storage import MemoryStorage

SCHEME = "minimin-memory"


class SweptMemoryStorage(MemoryStorage):
    STORAGE_SCHEME = [SCHEME]
    #: How often, at most, the counting request sweeps the expired counts.
    SWEEP_SECONDS = 1.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._swept_at = time.monotonic()
        self._sweeping = threading.Lock()

    def _MemoryStorage__schedule_expiry(self) -> None:  # replaces the parent's private hook
        if time.monotonic() - self._swept_at < self.SWEEP_SECONDS:
            return
        if not self._sweeping.acquire(blocking=False):
            return  # another thread is sweeping
        try:
            self._swept_at = time.monotonic()
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]
        finally:
            self._sweeping.release()

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self._sweeping = threading.Lock()
