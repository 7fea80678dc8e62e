"""Template helpers shared by every feature: navigation, dates and preferences.

Money and date filters run a hundred times or more on a list page, so they avoid per-call work
that does not change within a render: the reader's locale is read once per render (a context
variable set by :func:`_format_locale_context`), money is laid out by the cached
:func:`~minimin.core.money.format_pence`, and formatted dates are memoised (a date's text
depends only on the date, the pattern and the locale).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date
from flask import Flask, current_app, request, url_for
from flask_babel import format_datetime, get_locale, to_user_timezone
from flask_babel import lazy_gettext as _l
from jinja2 import pass_context
from jinja2.runtime import Context

from minimin.core.money import Money, format_money, format_pence
from minimin.extensions import babel as babel_extension

LONDON = ZoneInfo("Europe/London")
#: The locale used when there is none (no application context): the source language.
DEFAULT_LOCALE = "en_GB"
#: Template context variable holding the reader's locale for the render.
LOCALE_VARIABLE = "minimin_format_locale"
#: Babel's named date formats (flask_babel lets the app map them to patterns).
NAMED_DATE_FORMATS = ("short", "medium", "long", "full")

THEME_LABELS = {"system": _l("Same as device"), "light": _l("Light"), "dark": _l("Dark")}


def add_navigation(app: Flask, endpoint: str, label: Any, order: int) -> None:
    """Put a feature's main page into the signed-in navigation (lower *order* first)."""
    app.extensions.setdefault("minimin_navigation", []).append((order, endpoint, label))


def main_navigation() -> list[tuple[str, Any]]:
    entries = sorted(current_app.extensions.get("minimin_navigation", []), key=lambda e: e[0])
    return [(endpoint, label) for _, endpoint, label in entries]


#: Signed-in navigations kept per process: one per script root and language (a bound, in case a
#: deployment serves the application under many script roots).
_NAVIGATION_KEPT = 16


def navigation_links() -> list[tuple[str, str, str]]:
    """The signed-in navigation as (endpoint, URL, label in the reader's language).

    Every signed-in page shows it: building its dozen URLs and translating its dozen lazy
    labels on each page cost about a tenth of a list page's rendering. Neither depends on more
    than the script root and the language, so each pair is built once per process."""
    key = (request.script_root, current_locale())
    kept: dict[tuple[str, str], list[tuple[str, str, str]]] = current_app.extensions.setdefault(
        "minimin_navigation_links", {}
    )
    links = kept.get(key)
    if links is None:
        links = [(endpoint, url_for(endpoint), str(label)) for endpoint, label in main_navigation()]
        if len(kept) < _NAVIGATION_KEPT:
            kept[key] = links
    return links


def has_endpoint(name: str) -> bool:
    return name in current_app.view_functions


#: The id put where each record's id goes when a URL is built once for many records.
_ID_SLOT = uuid.UUID(int=0)


def id_url(endpoint: str, id_name: str, **values: Any) -> Callable[[Any], str]:
    """``url_for(endpoint, **{id_name: record_id}, **values)`` for the many records of a list
    page at the cost of one ``url_for``: the URL is built once with a placeholder id, and the
    returned function puts each record's id in its place. A list of fifty rows otherwise
    spends more on routing than on anything else it shows."""
    values[id_name] = _ID_SLOT
    head, slot, tail = url_for(endpoint, **values).partition(str(_ID_SLOT))
    if not slot or "?" in head:
        raise ValueError(f"{endpoint} does not put {id_name} in its path")

    def build(record_id: Any) -> str:
        if not isinstance(record_id, uuid.UUID):
            record_id = uuid.UUID(str(record_id))  # anything else is refused, as url_for would
        return f"{head}{record_id}{tail}"

    return build


def current_locale() -> str:
    """The reader's locale identifier ("en_GB", "cy"), as flask_babel selects it."""
    return str(get_locale() or DEFAULT_LOCALE)


def _format_locale_context() -> dict[str, str]:
    # Runs once per render_template: the filters below read the locale from here instead of
    # asking flask_babel on every call.
    return {LOCALE_VARIABLE: current_locale()}


def _render_locale(context: Context) -> str:
    """The locale of the render *context*; templates rendered without the context processor
    (a macro imported without context, a template rendered straight from the environment)
    ask flask_babel."""
    # resolve_or_missing, not get: this runs for every amount and date of a list, and get
    # goes through __getitem__ and a KeyError to reach the same lookup.
    locale = context.resolve_or_missing(LOCALE_VARIABLE)
    return locale if isinstance(locale, str) else current_locale()


# --------------------------------------------------------------------------- money


def money(pence: int | None, currency: str = "GBP", locale: str | None = None) -> str:
    """Integer minor units as an amount in the reader's locale (``£1,000.00``)."""
    if pence is None:
        return ""
    return format_pence(int(pence), currency, locale or current_locale())


def money_value(value: Money | None, locale: str | None = None) -> str:
    """A :class:`Money` as an amount in the reader's locale."""
    if value is None:
        return ""
    return format_money(value, locale=locale or current_locale())


@pass_context
def _money_filter(context: Context, pence: int | None, currency: str = "GBP") -> str:
    return money(pence, currency, _render_locale(context))


@pass_context
def _money_value_filter(context: Context, value: Money | None) -> str:
    return money_value(value, _render_locale(context))


# --------------------------------------------------------------------------- dates


def uk_datetime(value: datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    return str(format_datetime(value, fmt))


def _date_pattern(fmt: str | None) -> str:
    """*fmt* resolved as flask_babel's format_date resolves it (the app's Babel date_formats
    may map "medium" to a pattern of its own)."""
    formats = babel_extension.date_formats or {}
    if fmt is None:
        fmt = formats.get("date") or "medium"
    if fmt in NAMED_DATE_FORMATS:
        return str(formats.get(f"date.{fmt}") or fmt)
    return fmt


@lru_cache(maxsize=4096)
def _formatted_date(value: date, pattern: str, locale: str) -> str:
    return str(babel_format_date(value, pattern, locale=locale))


def uk_date(value: date | None, fmt: str | None = "medium", locale: str | None = None) -> str:
    """*value* in the reader's locale, as flask_babel's format_date gives it: a datetime is
    first moved to the user's timezone (Europe/London), then only its date is shown."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_user_timezone(value).date()
    return _formatted_date(value, _date_pattern(fmt), locale or current_locale())


@pass_context
def _uk_date_filter(context: Context, value: date | None, fmt: str | None = "medium") -> str:
    return uk_date(value, fmt, _render_locale(context))


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["uk_datetime"] = uk_datetime
    app.jinja_env.filters["uk_date"] = _uk_date_filter
    app.jinja_env.filters["money"] = _money_filter
    app.jinja_env.filters["money_value"] = _money_value_filter
    app.context_processor(_format_locale_context)
    app.jinja_env.globals.update(
        main_navigation=main_navigation,
        navigation_links=navigation_links,
        has_endpoint=has_endpoint,
        id_url=id_url,
        theme_labels=THEME_LABELS,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
