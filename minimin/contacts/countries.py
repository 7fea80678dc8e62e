"""Countries as ISO 3166-1 alpha-2 codes, named in the current language (from CLDR via Babel)."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale
from flask_babel import get_locale

# Codes CLDR lists that are not countries one can have an address in.
_NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"}


@lru_cache(maxsize=8)
def _territories(locale_code: str) -> dict[str, str]:
    locale = Locale.parse(locale_code)
    return {
        code: name
        for code, name in locale.territories.items()
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    }


def _locale_code() -> str:
    try:
        return str(get_locale() or "en_GB")
    except RuntimeError:  # outside a request
        return "en_GB"


def country_choices() -> list[tuple[str, str]]:
    """(code, name) sorted by name, the United Kingdom first."""
    names = _territories(_locale_code())
    others = sorted(((c, n) for c, n in names.items() if c != "GB"), key=lambda item: item[1])
    return [("GB", names.get("GB", "United Kingdom")), *others]


COUNTRY_CODES: frozenset[str] = frozenset(_territories("en_GB"))


def country_name(code: str) -> str:
    return _territories(_locale_code()).get(code, code)
