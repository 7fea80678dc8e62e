"""Exact money: a frozen :class:`Money` value (Decimal amount + ISO 4217 currency code).

Rules (DESIGN.md rule 1):

* amounts are :class:`~decimal.Decimal` or ``int``; a ``float`` is refused with ``TypeError``;
* one currency per amount: adding, subtracting or comparing amounts in different currencies
  raises :class:`CurrencyMismatchError`;
* the database stores integer minor units (``*_pence`` ``BigInteger`` columns): use
  :meth:`Money.from_pence` and :attr:`Money.pence` (which refuses a sub-penny amount rather
  than silently rounding it);
* rounding is explicit and always half-up to the currency's minor unit
  (:meth:`Money.round_half_up`);
* JSON carries amounts as strings (:meth:`Money.to_json`).

User input goes through :func:`parse_money` / :func:`parse_percent`, which refuse anything that
is not a plain, finite, in-range amount with a translatable message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Context, Decimal, InvalidOperation, localcontext
from functools import lru_cache
from typing import Any

from babel import Locale
from babel.numbers import (
    NumberPattern,
    format_currency,
    get_currency_precision,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
    list_currencies,
)
from flask_babel import lazy_gettext as _l

DEFAULT_CURRENCY = "GBP"
#: Largest absolute amount accepted from users by default, in minor units (BigInteger column).
DEFAULT_MAX_PENCE = 10**13
#: Longest input text considered at all (a longer string is refused before any parsing).
MAX_INPUT_LENGTH = 64

#: Arithmetic context: wide enough that sums and products of in-range amounts are exact.
MONEY_CONTEXT = Context(prec=60, rounding=ROUND_HALF_UP)

Number = Decimal | int


# --------------------------------------------------------------------------- errors


class NumberInputError(ValueError):
    """Input that is not an acceptable number; ``message`` is a (lazy) translatable string and
    ``code`` a stable machine-readable reason (for the JSON API and tests)."""

    def __init__(self, message: Any, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return str(self.message)


class MoneyError(NumberInputError):
    """A money amount that cannot be accepted (bad input, sub-penny pence, unknown currency)."""


class CurrencyMismatchError(MoneyError, TypeError):
    """Two amounts in different currencies were combined."""

    def __init__(self, left: str, right: str):
        super().__init__(
            _l("Amounts in %(left)s and %(right)s cannot be combined.", left=left, right=right),
            code="currency_mismatch",
        )
        self.left = left
        self.right = right


class PercentError(NumberInputError):
    """A percentage that cannot be accepted."""


# --------------------------------------------------------------------------- currencies


@lru_cache(maxsize=1)
def known_currencies() -> frozenset[str]:
    """ISO 4217 codes known to Babel's CLDR data."""
    return frozenset(list_currencies())


def check_currency(code: str) -> str:
    """*code* if it is a known ISO 4217 currency code, else :class:`MoneyError`."""
    if not isinstance(code, str) or code not in known_currencies():
        raise MoneyError(_l("Unknown currency code."), code="currency")
    return code


@lru_cache(maxsize=512)
def minor_digits(currency: str) -> int:
    """Number of decimal places of *currency*'s minor unit (GBP 2, JPY 0, BHD 3)."""
    return int(get_currency_precision(check_currency(currency)))


def _quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_digits(currency))


def _as_decimal(value: Any, what: str = "amount") -> Decimal:
    """*value* as a Decimal; floats (and everything else) are refused."""
    if isinstance(value, bool | float):
        raise TypeError(f"{what} must be Decimal or int, not {type(value).__name__}")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    raise TypeError(f"{what} must be Decimal or int, not {type(value).__name__}")


# --------------------------------------------------------------------------- Money


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount of one currency. Immutable and hashable."""

    amount: Decimal
    currency: str = DEFAULT_CURRENCY

    def __post_init__(self) -> None:
        amount = _as_decimal(self.amount)
        if not amount.is_finite():
            raise MoneyError(_l("Enter a finite amount."), code="not_finite")
        check_currency(self.currency)
        object.__setattr__(self, "amount", amount)

    # construction -----------------------------------------------------------------------

    @classmethod
    def zero(cls, currency: str = DEFAULT_CURRENCY) -> Money:
        """Nothing, in *currency*."""
        return cls(Decimal(0).quantize(_quantum(currency)), currency)

    @classmethod
    def from_pence(cls, pence: int, currency: str = DEFAULT_CURRENCY) -> Money:
        """From integer minor units (pence for GBP, cents, yen...)."""
        if isinstance(pence, bool) or not isinstance(pence, int):
            raise TypeError(f"pence must be int, not {type(pence).__name__}")
        return cls(Decimal(pence).scaleb(-minor_digits(currency)), currency)

    @classmethod
    def of(cls, amount: str | Number, currency: str = DEFAULT_CURRENCY) -> Money:
        """From a trusted literal such as ``"12.50"`` (code, not user input: see parse_money)."""
        if isinstance(amount, str):
            try:
                value = Decimal(amount)
            except InvalidOperation as exc:
                raise MoneyError(_l("Enter an amount in figures."), code="invalid") from exc
            return cls(value, currency)
        return cls(_as_decimal(amount), currency)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Money:
        """Inverse of :meth:`to_json`."""
        amount = data.get("amount")
        if not isinstance(amount, str):
            raise MoneyError(_l("The amount must be a string."), code="invalid")
        return parse_money(
            amount, currency=str(data.get("currency", DEFAULT_CURRENCY)), allow_negative=True
        )

    # conversion -------------------------------------------------------------------------

    @property
    def pence(self) -> int:
        """Exact integer minor units; a sub-penny amount raises :class:`MoneyError`."""
        scaled = self.amount.scaleb(minor_digits(self.currency))
        if scaled != scaled.to_integral_value():
            raise MoneyError(_l("The amount has fractions of a penny."), code="precision")
        return int(scaled)

    @property
    def minor_units(self) -> int:
        """Alias of :attr:`pence` for currencies that do not have pence."""
        return self.pence

    def to_json(self) -> dict[str, str]:
        """``{"amount": "12.50", "currency": "GBP"}``: amounts travel as strings."""
        return {"amount": self.plain(), "currency": self.currency}

    def plain(self) -> str:
        """The amount as a plain string with at least the currency's decimals ("1234.50")."""
        amount = self.amount
        if amount.as_tuple().exponent > -minor_digits(self.currency):  # type: ignore[operator]
            amount = amount.quantize(_quantum(self.currency))
        return f"{amount:f}"

    def __str__(self) -> str:
        return f"{self.plain()} {self.currency}"

    # predicates -------------------------------------------------------------------------

    def is_zero(self) -> bool:
        return self.amount == 0

    def is_negative(self) -> bool:
        return self.amount < 0

    def is_positive(self) -> bool:
        return self.amount > 0

    def is_whole_pence(self) -> bool:
        """True when the amount is an exact number of minor units."""
        return self.amount == self.amount.quantize(_quantum(self.currency), rounding=ROUND_DOWN)

    # arithmetic -------------------------------------------------------------------------

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise CurrencyMismatchError(self.currency, other.currency)

    def __add__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        with localcontext(MONEY_CONTEXT):
            return Money(self.amount + other.amount, self.currency)

    def __radd__(self, other: object) -> Money:
        # lets the builtin sum() start from 0; any other non-Money operand is refused
        if isinstance(other, int) and not isinstance(other, bool) and other == 0:
            return self
        return NotImplemented

    def __sub__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        with localcontext(MONEY_CONTEXT):
            return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __pos__(self) -> Money:
        return self

    def __abs__(self) -> Money:
        return Money(abs(self.amount), self.currency)

    def __mul__(self, factor: object) -> Money:
        if isinstance(factor, Money | bool):
            return NotImplemented
        if not isinstance(factor, Decimal | int):
            if isinstance(factor, float):
                raise TypeError("Money cannot be multiplied by a float; use Decimal")
            return NotImplemented
        with localcontext(MONEY_CONTEXT):
            return Money(self.amount * Decimal(factor), self.currency)

    __rmul__ = __mul__

    def percent(self, rate: Number) -> Money:
        """*rate* per cent of this amount, unrounded (``Money("200").percent(15)`` is 30)."""
        with localcontext(MONEY_CONTEXT):
            return Money(self.amount * _as_decimal(rate, "rate") / 100, self.currency)

    def round_half_up(self) -> Money:
        """Rounded half-up (away from zero on a tie) to the currency's minor unit."""
        with localcontext(MONEY_CONTEXT):
            rounded = self.amount.quantize(_quantum(self.currency), rounding=ROUND_HALF_UP)
        return Money(rounded, self.currency)

    def allocate(self, ratios: Sequence[Number]) -> list[Money]:
        """Split into parts proportional to *ratios*, in whole minor units, summing exactly to
        this amount (largest remainder first; ties go to the earlier part)."""
        return allocate(self, ratios)

    def split(self, parts: int) -> list[Money]:
        """Split into *parts* near-equal amounts summing exactly (£10 / 3: 3.34, 3.33, 3.33)."""
        if parts < 1:
            raise ValueError("parts must be at least 1")
        return allocate(self, [1] * parts)

    # comparison (same currency only) ------------------------------------------------------

    def _cmp(self, other: object) -> Decimal:
        if not isinstance(other, Money):
            raise TypeError(f"cannot compare Money with {type(other).__name__}")
        self._same(other)
        return self.amount - other.amount

    def __lt__(self, other: object) -> bool:
        return self._cmp(other) < 0

    def __le__(self, other: object) -> bool:
        return self._cmp(other) <= 0

    def __gt__(self, other: object) -> bool:
        return self._cmp(other) > 0

    def __ge__(self, other: object) -> bool:
        return self._cmp(other) >= 0


# --------------------------------------------------------------------------- helpers


def money_sum(items: Iterable[Money], currency: str = DEFAULT_CURRENCY) -> Money:
    """Sum of *items* (all in *currency*); the empty sum is zero in *currency*."""
    total = Money.zero(currency)
    for item in items:
        total = total + item
    return total


def allocate(total: Money, ratios: Sequence[Number]) -> list[Money]:
    """See :meth:`Money.allocate`. *total* must be whole minor units; ratios are >= 0."""
    weights = [_as_decimal(r, "ratio") for r in ratios]
    if not weights or any(w < 0 for w in weights) or sum(weights) == 0:
        raise ValueError("ratios must be non-negative and not all zero")
    pence = total.pence
    sign = -1 if pence < 0 else 1
    remaining = abs(pence)
    whole = sum(weights)
    with localcontext(MONEY_CONTEXT):
        exact = [Decimal(remaining) * w / whole for w in weights]
    shares = [int(e.to_integral_value(rounding=ROUND_DOWN)) for e in exact]
    leftover = remaining - sum(shares)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in order[:leftover]:
        shares[i] += 1
    return [Money.from_pence(sign * s, total.currency) for s in shares]


# --------------------------------------------------------------------------- display
#
# List pages show a hundred amounts per request, and Babel's format_currency re-parses the
# locale and re-reads its CLDR tables on every call. For the common patterns ("¤#,##0.00",
# "#,##0.00 ¤": groups of three, no scaling) the layout of an amount depends only on the
# (locale, currency) pair, so those pieces are worked out once and the digits are laid out
# with Python's own integer formatting. Anything unusual is left to Babel, whose output
# stays the reference: a layout is only used after it reproduced Babel's output for sample
# amounts (tests/unit/core/test_money_format.py compares the two on random amounts).

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


# --------------------------------------------------------------------------- parsing

_SPACES = re.compile(r"[\s\u00a0\u2009\u202f]+")
_NUMBER = re.compile(r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)?(?:\.[0-9]*)?", re.ASCII)
_EXPONENT = re.compile(r"[0-9.,]*[0-9][0-9.,]*e[+-]?[0-9]+", re.ASCII | re.IGNORECASE)
_NON_FINITE = re.compile(r"s?nan|inf(inity)?", re.IGNORECASE)
_MINUS = ("-", "\u2212")


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
    money = Money(value.quantize(_quantum(currency)), currency)
    if abs(money.pence) > max_pence:
        limit = format_money(Money.from_pence(max_pence, currency))
        raise MoneyError(_l("Enter an amount no larger than %(max)s.", max=limit), code="range")
    return money


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
