"""Showing amounts: :func:`format_money` and :func:`format_pence` (``£1,234.50``, ``-£3.00``),
and the cached per-(locale, currency) :class:`CurrencyLayout` behind them.

Why a cache: list pages show a hundred amounts per request, and Babel's format_currency
re-parses the locale and re-reads its CLDR tables on every call. For the common patterns
("¤#,##0.00", "#,##0.00 ¤": groups of three, no scaling) the layout of an amount depends only
on the (locale, currency) pair, so those pieces are worked out once and the digits are laid
out with Python's own integer formatting. Anything unusual is left to Babel, whose output
stays the reference: a layout is only used after it reproduced Babel's output for sample
amounts (tests/unit/core/test_money_format.py compares the two on random amounts).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel import Locale
from babel.numbers import (
    NumberPattern,
    format_currency,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
)

from minimin.core.money.value import DEFAULT_CURRENCY, MONEY_CONTEXT, Money, _quantum, minor_digits

#: Amounts of this many minor units or more are left to Babel (its Decimal context has 28
#: digits; nothing the app stores comes near this).
_FAST_LIMIT = 10**18
#: Minor units the layout is checked against Babel with when it is built.
_SAMPLE_UNITS = (0, 5, 1234, 100000, 987654321, 12345678901234567)


@dataclass(frozen=True, slots=True)
class CurrencyLayout:
    """How Babel's standard currency pattern of one locale lays out one currency."""

    digits: int  # minor-unit decimal places (GBP 2, JPY 0, BHD 3)
    quantum: Decimal  # one minor unit (Decimal("0.01") for GBP)
    unit: int  # minor units per major unit (10 ** digits)
    fraction_spec: str  # format spec of the minor digits ("02d")
    group: str  # the locale's group separator
    decimal: str  # the locale's decimal separator
    positive: tuple[str, str]  # (prefix, suffix) with the currency symbol in place
    negative: tuple[str, str]

    def render(self, negative: bool, units: int) -> str:
        """*units* (a non-negative number of minor units) with the sign given apart."""
        prefix, suffix = self.negative if negative else self.positive
        whole, fraction = divmod(units, self.unit)
        number = f"{whole:,}"
        if self.group != ",":
            number = number.replace(",", self.group)
        if self.digits:
            number += self.decimal + format(fraction, self.fraction_spec)
        return prefix + number + suffix


def _is_plain(pattern: NumberPattern) -> bool:
    """A pattern that needs nothing but grouping by threes and a fixed prefix and suffix."""
    affixes = "".join(pattern.prefix + pattern.suffix)
    return (
        tuple(pattern.grouping) == (3, 3)
        and pattern.scale == 0
        and not pattern.exp_prec
        and "@" not in pattern.pattern
        and pattern.int_prec[0] == 1
        and pattern.number_pattern != ""
        and "¤¤¤" not in affixes  # the currency's name, which depends on the amount
    )


def _with_currency(affix: str, currency: str, symbol: str) -> str:
    # The same substitutions, in the same order, as NumberPattern.apply.
    return affix.replace("¤¤", currency.upper()).replace("¤", symbol)


@lru_cache(maxsize=512)
def currency_layout(locale: str, currency: str) -> CurrencyLayout | None:
    """The cached layout of *currency* in *locale*, or None when Babel must do the work.
    An unknown currency raises :class:`MoneyError` (and is not cached)."""
    digits = minor_digits(currency)
    parsed = Locale.parse(locale)
    pattern = parsed.currency_formats["standard"]
    if not _is_plain(pattern):
        return None
    symbol = str(get_currency_symbol(currency, parsed))
    layout = CurrencyLayout(
        digits=digits,
        quantum=_quantum(currency),
        unit=10**digits,
        fraction_spec=f"0{digits}d",
        group=str(get_group_symbol(parsed)),
        decimal=str(get_decimal_symbol(parsed)),
        positive=(
            _with_currency(pattern.prefix[0], currency, symbol),
            _with_currency(pattern.suffix[0], currency, symbol),
        ),
        negative=(
            _with_currency(pattern.prefix[1], currency, symbol),
            _with_currency(pattern.suffix[1], currency, symbol),
        ),
    )
    pieces = (layout.group, layout.decimal, *layout.positive, *layout.negative)
    if any("'" in piece for piece in pieces) or "¤" in layout.group + layout.decimal:
        # Babel strips quoted text from the whole result (de_CH groups with "'"): leave it be.
        return None
    if not all(_agrees_with_babel(layout, locale, currency, units) for units in _SAMPLE_UNITS):
        return None
    return layout


def _babel_format(amount: Decimal, currency: str, locale: str) -> str:
    return str(format_currency(amount, currency, locale=locale))


def _agrees_with_babel(layout: CurrencyLayout, locale: str, currency: str, units: int) -> bool:
    amount = Decimal(units).scaleb(-layout.digits)
    # copy_negate keeps the sign of zero: Babel shows Decimal("-0.00") as "-£0.00".
    positive = layout.render(False, units) == _babel_format(amount, currency, locale)
    negative = layout.render(True, units) == _babel_format(amount.copy_negate(), currency, locale)
    return positive and negative


def format_pence(pence: int, currency: str = DEFAULT_CURRENCY, locale: str = "en_GB") -> str:
    """Integer minor units in *currency* as :func:`format_money` shows them (``£1,234.50``);
    an unknown currency raises :class:`MoneyError`."""
    if isinstance(pence, bool) or not isinstance(pence, int):
        raise TypeError(f"pence must be int, not {type(pence).__name__}")
    layout = currency_layout(locale, currency)
    if layout is not None and -_FAST_LIMIT < pence < _FAST_LIMIT:
        return layout.render(pence < 0, abs(pence))
    return format_money(Money.from_pence(pence, currency), locale)


def format_money(money: Money, locale: str = "en_GB", *, exact: bool = False) -> str:
    """Display form in *locale* (``£1,234.50``, ``-£3.00``), exactly as Babel's
    ``format_currency`` gives it. Rounded half-up to the minor unit unless *exact* (then
    sub-penny digits are shown)."""
    if not exact:
        layout = currency_layout(locale, money.currency)
        if layout is not None:
            # As Money.round_half_up, without building the intermediate Money.
            rounded = money.amount.quantize(
                layout.quantum, rounding=ROUND_HALF_UP, context=MONEY_CONTEXT
            )
            units = int(rounded.scaleb(layout.digits, MONEY_CONTEXT))
            if -_FAST_LIMIT < units < _FAST_LIMIT:
                # is_signed, not units < 0: Babel shows a rounded-away -0.001 as "-£0.00".
                return layout.render(rounded.is_signed(), abs(units))
    value = money.amount if exact else money.round_half_up().amount
    return str(
        format_currency(value, money.currency, locale=locale, decimal_quantization=not exact)
    )
