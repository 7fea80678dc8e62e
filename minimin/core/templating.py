"""Template helpers shared by every feature: navigation, dates and preferences."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import lazy_gettext as _l

from minimin.core.money import Money, format_money

LONDON = ZoneInfo("Europe/London")

THEME_LABELS = {"system": _l("Same as device"), "light": _l("Light"), "dark": _l("Dark")}


def add_navigation(app: Flask, endpoint: str, label: Any, order: int) -> None:
    """Put a feature's main page into the signed-in navigation (lower *order* first)."""
    app.extensions.setdefault("minimin_navigation", []).append((order, endpoint, label))


def main_navigation() -> list[tuple[str, Any]]:
    entries = sorted(current_app.extensions.get("minimin_navigation", []), key=lambda e: e[0])
    return [(endpoint, label) for _, endpoint, label in entries]


def has_endpoint(name: str) -> bool:
    return name in current_app.view_functions


def money(pence: int | None, currency: str = "GBP") -> str:
    """Integer minor units as an amount in the reader's locale (``£1,000.00``)."""
    if pence is None:
        return ""
    return format_money(Money.from_pence(int(pence), currency), locale=str(get_locale()))


def money_value(value: Money | None) -> str:
    """A :class:`Money` as an amount in the reader's locale."""
    if value is None:
        return ""
    return format_money(value, locale=str(get_locale()))


def uk_datetime(value: datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    return str(format_datetime(value, fmt))


def uk_date(value: date | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    return str(format_date(value, fmt))


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["uk_datetime"] = uk_datetime
    app.jinja_env.filters["uk_date"] = uk_date
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["money_value"] = money_value
    app.jinja_env.globals.update(
        main_navigation=main_navigation, has_endpoint=has_endpoint, theme_labels=THEME_LABELS
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
