"""Measuring against the databases, for the benchmarks that build a history in a throwaway
database and time what the application does with it (``posting.py``, ``reports.py``,
``dashboard.py``).

- :class:`StatementClock`: the database time of each statement the engine runs, taken between
  SQLAlchemy's ``before_cursor_execute`` and ``after_cursor_execute`` events, summed while on.
- :func:`per_backend`: one measurement on each backend named (``postgresql``: a throwaway
  database on the admin URL, dropped afterwards; ``sqlite``: a new file), its figures printed.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event

from benchmarks.contacts_list import postgres_database


class StatementClock:
    """Sums the time of each statement the engine runs while it is on."""

    def __init__(self, engine: Any) -> None:
        self.on = False
        self.seconds = 0.0
        self.statements = 0
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, *args: Any) -> None:
        conn.info["minimin_bench_started"] = time.perf_counter()

    def _after(self, conn: Any, *args: Any) -> None:
        started = conn.info.pop("minimin_bench_started", None)
        if self.on and started is not None:
            self.seconds += time.perf_counter() - started
            self.statements += 1

    def start(self) -> None:
        self.on, self.seconds, self.statements = True, 0.0, 0

    def stop(self) -> tuple[float, int]:
        """Milliseconds and statements since :meth:`start`."""
        self.on = False
        return self.seconds * 1000, self.statements


def per_backend(
    backends: str, pg_admin_url: str, measure: Callable[[str], dict[str, Any]]
) -> dict[str, Any]:
    """``measure(database_url)`` on each backend of the comma-separated *backends*, in order;
    returns the figures per backend."""
    results: dict[str, Any] = {}
    for backend in [b.strip() for b in backends.split(",") if b.strip()]:
        if backend == "postgresql":
            with postgres_database(pg_admin_url) as url:
                results[backend] = measure(url)
        else:
            path = Path(tempfile.mkdtemp(prefix="minimin-bench-")) / "bench.db"
            results[backend] = measure(f"sqlite:///{path}")
        print(backend, json.dumps(results[backend], indent=1), flush=True)
    return results
