"""The server's request log keeps no client address and no secret from a link.

The request lines written by ``minimin serve`` (Werkzeug's ``werkzeug`` logger) and by gunicorn
(``gunicorn.access``, when its access log is on) start with the client's IP address and carry the
whole path and query: ``/verify-email/<token>``, ``/pay/<token>``, ``/unsubscribe/<token>``,
``?key=...``. Anyone reading the log could use a live link, and the IPs are personal data kept
without need. :class:`RedactingFilter` rewrites each record before any handler sees it:

- the leading client address becomes ``-``, and any other IPv4 or IPv6 address ``[ip]``;
- a path segment that is a route's token (any URL variable named ``token`` of the app's
  routes), or looks like one (24 or more URL-safe characters that are not a record's UUID),
  becomes ``[token]``;
- every query value becomes ``[redacted]``.

docs/privacy/access-log-policy.md states the policy; tests/functional/privacy/test_access_log.py
runs a real server through the link journeys and scans what it logged.
"""

from __future__ import annotations

import logging
import re

from flask import Flask

#: The servers' request loggers, and the application's loggers that name a request's path
#: (the error handlers of core/errors.py and api/problems.py; ``minimin`` is the app's own).
LOGGERS = (
    "werkzeug",
    "gunicorn.access",
    "minimin",
    "minimin.core.errors",
    "minimin.api.problems",
)
TOKEN = "[token]"  # noqa: S105 - the placeholder written instead of a token
REDACTED = "[redacted]"

#: ``127.0.0.1 - - [date] "GET ..."``: the common log format of both servers.
_LEADING_ADDRESS = re.compile(r"^\S+(?= - \S+ \[)")
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?:%\w+)?(?![\w:])")
#: A path (from a request line or a URL) and its optional query.
_PATH = re.compile(r"(?P<path>/[^\s\"?#]*)(?P<query>\?[^\s\"#]*)?")
_TOKENISH = re.compile(r"^[A-Za-z0-9_-]{24,}")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


def _redact_segment(segment: str, prefixes: frozenset[str], previous: str) -> str:
    stem, dot, extension = segment.partition(".")
    if previous in prefixes and stem:
        return TOKEN + dot + extension
    match = _TOKENISH.match(segment)
    if match and not _UUID.match(segment):
        return TOKEN + segment[match.end() :]
    return segment


def _redact_path(path: str, prefixes: frozenset[str]) -> str:
    parts = path.split("/")
    out = [parts[0]]
    for i in range(1, len(parts)):
        out.append(_redact_segment(parts[i], prefixes, "/".join(parts[:i]) + "/"))
    return "/".join(out)


def _redact_query(query: str) -> str:
    if not query:
        return ""
    pairs = []
    for pair in query[1:].split("&"):
        name, equals, _value = pair.partition("=")
        pairs.append(f"{name}={REDACTED}" if equals else pair)
    return "?" + "&".join(pairs)


def redact(line: str, prefixes: frozenset[str] = frozenset()) -> str:
    """*line* without client addresses, link tokens or query values. *prefixes* are the path
    parts before a token variable (``/pay/``), from :func:`token_prefixes`."""
    line = _LEADING_ADDRESS.sub("-", line, count=1)
    line = _PATH.sub(
        lambda m: _redact_path(m["path"], prefixes) + _redact_query(m["query"] or ""), line
    )
    line = _IPV4.sub("[ip]", line)
    return _IPV6.sub(_ipv6_or_time, line)


def _ipv6_or_time(match: re.Match[str]) -> str:
    # A time of day (10:00:00) has two colons and no "::"; an IPv6 address has more or one.
    text = match.group(0)
    return "[ip]" if "::" in text or text.count(":") >= 3 else text


def token_prefixes(app: Flask) -> frozenset[str]:
    """The static path before each ``<token>`` variable of the app's routes: ``/pay/``,
    ``/verify-email/``, ``/calendar/``..."""
    prefixes: set[str] = set()
    for rule in app.url_map.iter_rules():
        text = rule.rule
        for name in rule.arguments:
            if "token" not in name or name.endswith("_id"):
                continue
            marker = text.find(f":{name}>") if f":{name}>" in text else text.find(f"<{name}>")
            start = text.rfind("<", 0, marker + 1) if marker >= 0 else -1
            if start > 0 and "<" not in text[:start]:
                prefixes.add(text[:start])
    return frozenset(prefixes)


class RedactingFilter(logging.Filter):
    def __init__(self, app: Flask):
        super().__init__()
        self.app = app
        self._prefixes: frozenset[str] | None = None

    @property
    def prefixes(self) -> frozenset[str]:
        # Read on the first request line, once every feature has registered its routes.
        if self._prefixes is None:
            self._prefixes = token_prefixes(self.app)
        return self._prefixes

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record: keep only its format
            message = str(record.msg)
        record.msg = redact(message, self.prefixes)
        record.args = None
        return True


def install(app: Flask) -> None:
    """Put the filter on the request loggers of both servers (one filter per logger)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        for existing in [f for f in logger.filters if isinstance(f, RedactingFilter)]:
            logger.removeFilter(existing)
        logger.addFilter(RedactingFilter(app))
