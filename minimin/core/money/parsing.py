"""Reading amounts and percentages that people type: :func:`parse_money` and
:func:`parse_percent`, with the currency marks (``£``, ``GBP``) an amount may carry.

User input goes through these two functions, which refuse anything that is not a plain,
finite, in-range amount with a translatable message and a stable ``code``; code that builds
amounts from trusted literals uses :meth:`~minimin.core.money.value.Money.of` instead.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel.numbers import get_currency_symbol
from flask_babel import lazy_gettext as _l

from minimin.core.money.display import format_money
from minimin.core.money.errors import MoneyError, NumberInputError, PercentError
from minimin.core.money.value import (
    DEFAULT_CURRENCY,
    Money,
    _quantum,
    check_currency,
    minor_digits,
)

#: Largest absolute amount accepted from users by default, in minor units (BigInteger column).
DEFAULT_MAX_PENCE = 10**13
#: Longest input text considered at all (a longer string is refused before any parsing).
MAX_INPUT_LENGTH = 64

_SPACES = re.compile(r"[\s\u00a0\u2009\u202f]+")
_NUMBER = re.compile(r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)?(?:\.[0-9]*)?", re.ASCII)
_EXPONENT = re.compile(r"[0-9.,]*[0-9][0-9.,]*e[+-]?[0-9]+", re.ASCII | re.IGNORECASE)
_NON_FINITE = re.compile(r"s?nan|inf(inity)?", re.IGNORECASE)
_MINUS = ("-", "\u2212")
#: The largest quantity a line may bill (days, hours, items), and the shape of one as typed.
MAX_QUANTITY = Decimal(100_000)
_QUANTITY = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+", re.ASCII)
_QUANTITY_MAX_LENGTH = 20


@lru_cache(maxsize=512)
def _currency_marks(currency: str) -> tuple[str, ...]:
    """Symbols and the code that may accompany an amount in *currency*, longest first."""
    marks = {currency}
    for loc in ("en_GB", "en_US", "cy"):
        marks.add(str(get_currency_symbol(currency, loc)))
    return tuple(sorted(marks, key=len, reverse=True))


def _strip_marks(text: str, currency: str) -> tuple[str, bool]:
    """Remove the sign and currency mark from *text*; return (digits, negative)."""
    negative = False
    text = _SPACES.sub("", text)
    if text[:1] in _MINUS:
        negative, text = True, text[1:]
    for mark in _currency_marks(currency):
        if text.upper().startswith(mark.upper()):
            text = text[len(mark) :]
            break
        if text.upper().endswith(mark.upper()):
            text = text[: -len(mark)]
            break
    if not negative and text[:1] in _MINUS:
        negative, text = True, text[1:]
    return text, negative


def _precheck(text: Any, error: type[NumberInputError]) -> None:
    """Checks shared by amounts and percentages before any parsing: type, empty, length."""
    if isinstance(text, float):
        raise TypeError("refusing to parse a float")
    if not isinstance(text, str):
        raise error(_l("Enter a number."), code="invalid")
    if not text.strip():
        empty = _l("Enter a percentage.") if error is PercentError else _l("Enter an amount.")
        raise error(empty, code="empty")
    if len(text) > MAX_INPUT_LENGTH:
        raise error(_l("This number is too long."), code="too_long")


def _refuse_shape(digits: str, error: type[NumberInputError], example: str) -> None:
    """Raise the most specific message for *digits* that are not a plain number."""
    if _NON_FINITE.fullmatch(digits):
        raise error(_l("Enter a number, not NaN or infinity."), code="not_finite")
    if _EXPONENT.fullmatch(digits):
        raise error(_l("Write the number in full, without an exponent (e)."), code="exponent")
    raise error(_l("Enter a number in figures, like %(example)s.", example=example), code="invalid")


def _to_decimal(digits: str, error: type[NumberInputError], example: str) -> Decimal:
    """The Decimal for plain *digits* ("1,234.5"), or the specific refusal."""
    if not digits or not _NUMBER.fullmatch(digits) or not any(c.isdigit() for c in digits):
        _refuse_shape(digits, error, example)
    return Decimal(digits.replace(",", ""))


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


def parse_money(
    text: Any,
    *,
    currency: str = DEFAULT_CURRENCY,
    allow_negative: bool = False,
    max_pence: int = DEFAULT_MAX_PENCE,
) -> Money:
    """Parse user input into :class:`Money` in *currency*.

    Accepts ``"1234.56"``, ``"1,234.56"``, ``"£12"``, ``" 12 "``, ``"12 GBP"`` (and ``"-£3"``
    when *allow_negative*). Refuses with :class:`MoneyError` (``.code`` in parentheses): empty
    (``empty``), NaN/Infinity (``not_finite``), exponents such as ``1e309`` (``exponent``), more
    decimals than the currency has (``precision``), a negative amount (``negative``), more than
    *max_pence* minor units either way (``range``), anything else (``invalid``).
    """
    check_currency(currency)
    _precheck(text, MoneyError)
    digits, negative = _strip_marks(str(text), currency)
    value = _to_decimal(digits, MoneyError, "1234.56")
    places = minor_digits(currency)
    if _places(value) > places:
        if places == 0:
            raise MoneyError(_l("Enter a whole amount, without decimals."), code="precision")
        raise MoneyError(
            _l("Use at most %(places)d decimal places.", places=places), code="precision"
        )
    if negative and value != 0:
        if not allow_negative:
            raise MoneyError(_l("Enter an amount of zero or more."), code="negative")
        value = -value
    # Checked before quantize: past 28 digits quantize raises InvalidOperation instead.
    if abs(value.scaleb(places)) > max_pence:
        limit = format_money(Money.from_pence(max_pence, currency))
        raise MoneyError(_l("Enter an amount no larger than %(max)s.", max=limit), code="range")
    return Money(value.quantize(_quantum(currency)), currency)


def parse_quantity(text: Any, *, allow_zero: bool = True) -> Decimal:
    """A quantity of days, hours or items as typed ("2", "0.5", ".25"): zero (unless
    *allow_zero* is false) to 100,000, at most 3 decimals, no thousands separators. Refuses with
    :class:`NumberInputError`, ``.code`` as :func:`parse_money`'s (``zero`` for a zero that is
    not allowed)."""
    if isinstance(text, float):
        raise TypeError("refusing to parse a float")
    text = text.strip() if isinstance(text, str) else ""
    if not text:
        raise NumberInputError(_l("Enter a quantity."), code="empty")
    if len(text) > _QUANTITY_MAX_LENGTH:
        raise NumberInputError(_l("This number is too long."), code="too_long")
    negative = text[:1] in _MINUS
    digits = text[1:] if negative else text
    if _NON_FINITE.fullmatch(digits):
        raise NumberInputError(_l("Enter a number, not NaN or infinity."), code="not_finite")
    if _EXPONENT.fullmatch(digits):
        raise NumberInputError(
            _l("Write the number in full, without an exponent (e)."), code="exponent"
        )
    if negative and allow_zero:
        raise NumberInputError(_l("Enter a quantity of zero or more."), code="negative")
    if negative:
        raise NumberInputError(_l("The quantity must be more than zero."), code="negative")
    if not _QUANTITY.fullmatch(digits):
        raise NumberInputError(_l("Enter a quantity in figures, like 1.5."), code="invalid")
    value = Decimal(digits)
    if _places(value) > 3:
        raise NumberInputError(_l("Use at most 3 decimal places."), code="precision")
    if value > MAX_QUANTITY:
        raise NumberInputError(_l("Enter a quantity no larger than 100,000."), code="range")
    if value == 0 and not allow_zero:
        raise NumberInputError(_l("The quantity must be more than zero."), code="zero")
    return value


def parse_percent(
    text: Any,
    *,
    places: int = 3,
    minimum: Decimal = Decimal(0),
    maximum: Decimal = Decimal(100),
) -> Decimal:
    """Parse a percentage such as ``"15"``, ``"12.5%"``, ``" 17.25 % "`` into a Decimal
    (15 means 15 %). Refuses with :class:`PercentError`: empty, NaN/Infinity, exponents,
    more than *places* decimals, values outside *minimum*..*maximum* (``range``), garbage."""
    _precheck(text, PercentError)
    digits = _SPACES.sub("", str(text)).removesuffix("%")
    negative = digits[:1] in _MINUS
    if negative:
        digits = digits[1:]
    value = _to_decimal(digits, PercentError, "15.5")
    if _places(value) > places:
        raise PercentError(
            _l("Use at most %(places)d decimal places.", places=places), code="precision"
        )
    if negative:
        value = -value
    if not minimum <= value <= maximum:
        raise PercentError(
            _l("Enter a percentage from %(min)s to %(max)s.", min=minimum, max=maximum),
            code="range",
        )
    return value + 0  # normalises -0 to 0
