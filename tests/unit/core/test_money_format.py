"""Money display: the cached layout gives exactly what Babel's format_currency gives."""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import format_currency
from hypothesis import given
from hypothesis import strategies as st

from minimin.core.money import (
    Money,
    MoneyError,
    currency_layout,
    format_money,
    format_pence,
)

#: The app's locales, en_US to be safe, and locales whose patterns differ (the amount before
#: the symbol, other separators, Indian grouping, Swiss apostrophes, an explicit negative form).
LOCALES = ["en_GB", "cy", "en_US", "de_DE", "fr_FR", "hi_IN", "de_CH", "nl_NL"]
#: Two-decimal currencies the locales know and do not know, no decimals (JPY), three (BHD).
CURRENCIES = ["GBP", "EUR", "USD", "CHF", "JPY", "BHD"]

pence = st.one_of(
    st.integers(min_value=-(10**15), max_value=10**15),
    st.integers(min_value=-(10**5), max_value=10**5),
    st.sampled_from([0, 1, -1, 999, 1000, -1000, 999999, 10**13, -(10**13)]),
)
locales = st.sampled_from(LOCALES)
currencies = st.sampled_from(CURRENCIES)


def babel(amount: Decimal, currency: str, locale: str) -> str:
    return str(format_currency(amount, currency, locale=locale))


@given(p=pence, locale=locales, currency=currencies)
def test_whole_minor_units_match_babel(p: int, locale: str, currency: str) -> None:
    money = Money.from_pence(p, currency)
    expected = babel(money.amount, currency, locale)
    assert format_money(money, locale) == expected
    assert format_pence(p, currency, locale) == expected


@given(
    amount=st.decimals(
        min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=5, allow_nan=False
    ),
    locale=locales,
    currency=currencies,
)
def test_sub_minor_amounts_are_rounded_half_up_then_shown_as_babel_shows_them(
    amount: Decimal, locale: str, currency: str
) -> None:
    money = Money(amount, currency)
    expected = babel(money.round_half_up().amount, currency, locale)
    assert format_money(money, locale) == expected


@pytest.mark.parametrize(
    ("money", "locale", "expected"),
    [
        (Money.of("1234.5"), "en_GB", "£1,234.50"),
        (Money.of("-3"), "en_GB", "-£3.00"),
        (Money.of("0"), "cy", "£0.00"),
        (Money.of("1000", "EUR"), "en_GB", "€1,000.00"),
        (Money.of("1.005"), "en_GB", "£1.01"),
        (Money.of("-0.001"), "en_GB", "-£0.00"),  # Babel keeps the sign of a rounded-away amount
        (Money.of("-1234567.891", "BHD"), "en_GB", "-BHD1,234,567.891"),
        (Money.of("1234.5", "JPY"), "en_GB", "JP¥1,235"),  # half-up, as everywhere in the app
        (Money.of("1234567.5", "CHF"), "cy", "CHF1,234,567.50"),
        (Money.of("-1234567.5", "GBP"), "de_DE", "-1.234.567,50\xa0£"),
        (Money.of("1234567.5", "EUR"), "fr_FR", "1\u202f234\u202f567,50\xa0€"),
        (Money.of("1234567.5", "GBP"), "hi_IN", "£12,34,567.50"),
        (Money.of("-1234.5", "CHF"), "de_CH", "CHF-1'234.50"),
    ],
)
def test_examples(money: Money, locale: str, expected: str) -> None:
    assert format_money(money, locale) == expected


def test_the_app_locales_use_the_cached_layout_and_unusual_patterns_are_left_to_babel() -> None:
    for locale in ("en_GB", "cy", "en_US", "de_DE", "fr_FR"):
        for currency in CURRENCIES:
            assert currency_layout(locale, currency) is not None, (locale, currency)
    # Indian grouping (3, then 2) and Swiss apostrophes (Babel strips quoted text) go to Babel.
    assert currency_layout("hi_IN", "GBP") is None
    assert currency_layout("de_CH", "CHF") is None


def test_exact_display_keeps_sub_penny_digits() -> None:
    assert format_money(Money.of("1.005"), exact=True) == "£1.005"
    assert format_money(Money.of("-1234.56789"), "cy", exact=True) == "-£1,234.56789"


def test_amounts_beyond_the_cached_range_are_left_to_babel() -> None:
    huge = Money.from_pence(10**19)
    assert format_money(huge) == babel(huge.amount, "GBP", "en_GB") == "£100,000,000,000,000,000.00"
    assert format_pence(-(10**19)) == "-£100,000,000,000,000,000.00"


def test_unknown_currencies_and_non_integer_pence_are_refused() -> None:
    with pytest.raises(MoneyError):
        format_pence(100, "ZZZ")
    with pytest.raises(TypeError):
        format_pence(1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        format_pence(True)
