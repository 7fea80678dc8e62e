"""The exact money value: a frozen :class:`Money` (Decimal amount + ISO 4217 currency code),
the currency checks it relies on, and its arithmetic (sums, allocation in whole minor units).

Rules (docs/design-rules.md, rule 1):

* amounts are :class:`~decimal.Decimal` or ``int``; a ``float`` is refused with ``TypeError``;
* one currency per amount: adding, subtracting or comparing amounts in different currencies
  raises :class:`CurrencyMismatchError`;
* the database stores integer minor units (``*_pence`` ``BigInteger`` columns): use
  :meth:`Money.from_pence` and :attr:`Money.pence` (which refuses a sub-penny amount rather
  than silently rounding it);
* rounding is explicit and always half-up to the currency's minor unit
  (:meth:`Money.round_half_up`);
* JSON carries amounts as strings (:meth:`Money.to_json`).

Reading user input is :mod:`.parsing`'s work and showing amounts is :mod:`.display`'s; both
build on what is here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Context, Decimal, InvalidOperation, localcontext
from functools import lru_cache
from typing import Any

from babel.numbers import get_currency_precision, list_currencies
from flask_babel import lazy_gettext as _l

from minimin.core.money.errors import CurrencyMismatchError, MoneyError

DEFAULT_CURRENCY = "GBP"

#: Arithmetic context: wide enough that sums and products of in-range amounts are exact.
MONEY_CONTEXT = Context(prec=60, rounding=ROUND_HALF_UP)

Number = Decimal | int


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
        # Imported here: parsing builds on this module, and JSON amounts get its checks.
        from minimin.core.money.parsing import parse_money

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
        # Exponent is a str only for NaN and infinity, refused on construction.
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
