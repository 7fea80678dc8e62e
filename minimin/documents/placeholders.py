"""Placeholders in a template body: ``{client_name}`` and the like, replaced by plain values.

Substitution is a single regular-expression pass over the text with no expression language:
a placeholder is a name in braces, its value is HTML-escaped before it goes into the body, and
a value can never introduce a placeholder of its own (the pass does not re-read what it put in).
No Flask or SQLAlchemy here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import escape

#: Every placeholder a template may use, in the order the editor lists them.
ALLOWED: tuple[str, ...] = (
    "business_name",
    "your_name",
    "your_email",
    "your_address",
    "today",
    "client_name",
    "client_contact",
    "client_address",
    "agency_name",
    "agency_contact",
    "agency_address",
    "job_title",
    "job_dates",
    "job_location",
    "fee",
    "cancellation_fee",
    "usage_media",
    "usage_territory",
    "usage_term",
    "usage_expiry",
)

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]{0,40})\}")


def used(text: str) -> list[str]:
    """The placeholder names in *text*, each once, in order of first use."""
    seen: dict[str, None] = {}
    for match in _PLACEHOLDER.finditer(text):
        seen.setdefault(match.group(1), None)
    return list(seen)


def unknown(text: str) -> list[str]:
    """The names used in *text* that are not placeholders Minimin fills in."""
    return [name for name in used(text) if name not in ALLOWED]


def substitute(text: str, values: Mapping[str, str]) -> str:
    """*text* with each known placeholder replaced by its escaped value ("" when missing).

    An unknown name is left as it is written: saving refuses those, so it only appears in text
    that never went through the editor.
    """

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in ALLOWED:
            return match.group(0)
        return escape(values.get(name) or "")

    return _PLACEHOLDER.sub(replace, text)
