"""Per-token rate limits, told to the client in the ``RateLimit-Policy`` and ``RateLimit``
headers (the IETF HTTPAPI rate-limit header fields) and enforced with 429 and ``Retry-After``.

Counts live in the application's rate-limit storage (Redis in production, so every worker
shares them).
"""

from __future__ import annotations

import math
import time

from flask import Flask, Response, current_app, g
from limits import parse

from minimin.api.problems import ApiProblem
from minimin.extensions import limiter

DEFAULT = "600/minute"
CONFIG_KEY = "MINIMIN_API_RATE_LIMIT"
POLICY = "token"


def check() -> None:
    """Count this request against its token; 429 once the window's quota is spent."""
    caller = g.get("api_caller")
    if caller is None or not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    item = parse(current_app.config.get(CONFIG_KEY, DEFAULT))
    strategy = limiter.limiter
    allowed = strategy.hit(item, "api", str(caller.token.id))
    reset_at, remaining = strategy.get_window_stats(item, "api", str(caller.token.id))
    seconds = max(0, math.ceil(reset_at - time.time()))
    g.api_rate = (item.amount, item.get_expiry(), remaining, seconds)
    if not allowed:
        raise ApiProblem(
            429,
            "This token has made too many requests; wait and try again.",
            headers={"Retry-After": str(max(1, seconds))},
        )


def add_headers(response: Response) -> Response:
    rate = g.get("api_rate")
    if rate is not None:
        quota, window, remaining, seconds = rate
        response.headers["RateLimit-Policy"] = f'"{POLICY}";q={quota};w={window}'
        response.headers["RateLimit"] = f'"{POLICY}";r={remaining};t={seconds}'
    return response


def configure(app: Flask, default: str | None) -> None:
    app.config.setdefault(CONFIG_KEY, default or DEFAULT)
