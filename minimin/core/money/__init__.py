"""Exact money (docs/design-rules.md, rule 1): amounts are Decimal, stored as integer minor
units, one
currency each, never float; JSON carries them as strings.

The package is split by what a caller does with an amount, one module each:

* :mod:`.value`: the frozen :class:`Money` type, the currency checks and the arithmetic
  (sums, allocation in whole minor units);
* :mod:`.parsing`: user input, :func:`parse_money` and :func:`parse_percent`, which refuse
  anything that is not a plain, finite, in-range amount with a translatable message;
* :mod:`.display`: :func:`format_money` and :func:`format_pence`, with the cached
  per-(locale, currency) layouts that keep list pages fast;
* :mod:`.errors`: the errors all three raise.

This package re-exports their public names, so callers keep one import
(``from minimin.core.money import Money, parse_money``).
"""

from __future__ import annotations

from minimin.core.money.display import CurrencyLayout, currency_layout, format_money, format_pence
from minimin.core.money.errors import (
    CurrencyMismatchError,
    MoneyError,
    NumberInputError,
    PercentError,
)
from minimin.core.money.parsing import (
    DEFAULT_MAX_PENCE,
    MAX_INPUT_LENGTH,
    parse_money,
    parse_percent,
    parse_quantity,
)
from minimin.core.money.value import (
    DEFAULT_CURRENCY,
    MONEY_CONTEXT,
    Money,
    Number,
    allocate,
    check_currency,
    known_currencies,
    minor_digits,
    money_sum,
)

__all__ = [
    "DEFAULT_CURRENCY",
    "DEFAULT_MAX_PENCE",
    "MAX_INPUT_LENGTH",
    "MONEY_CONTEXT",
    "CurrencyLayout",
    "CurrencyMismatchError",
    "Money",
    "MoneyError",
    "Number",
    "NumberInputError",
    "PercentError",
    "allocate",
    "check_currency",
    "currency_layout",
    "format_money",
    "format_pence",
    "known_currencies",
    "minor_digits",
    "money_sum",
    "parse_money",
    "parse_percent",
    "parse_quantity",
]
