"""Types shared by every operation: money, pages of a list, problems.

Money travels as ``{"amount": "12.34", "currency": "GBP"}``: the amount a string holding the
exact decimal in the currency's minor units (never a float), the currency its ISO 4217 code.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from minimin.core.forms import check_text
from minimin.core.money.errors import MoneyError
from minimin.core.money.value import check_currency, minor_digits

T = TypeVar("T")

AMOUNT_PATTERN = r"^-?[0-9]{1,15}(\.[0-9]{1,3})?$"
CURRENCY_PATTERN = r"^[A-Z]{3}$"


class Out(BaseModel):
    """Base of every answer: field order as declared, nothing extra."""

    model_config = ConfigDict(from_attributes=True)


class In(BaseModel):
    """Base of every request body: unknown members are refused, so a typo is not ignored."""

    model_config = ConfigDict(extra="forbid")


class Money(BaseModel):
    amount: str = Field(pattern=AMOUNT_PATTERN, examples=["1250.00"])
    currency: str = Field(pattern=CURRENCY_PATTERN, examples=["GBP"])

    @classmethod
    def of(cls, pence: int | None, currency: str) -> Money:
        return cls(amount=plain_amount(int(pence or 0), currency), currency=currency)

    @classmethod
    def maybe(cls, pence: int | None, currency: str) -> Money | None:
        return None if pence is None else cls.of(pence, currency)


@lru_cache(maxsize=64)
def _minor_digits(currency: str) -> int:
    # An unknown currency raises MoneyError, as the exact Money type does (exceptions are
    # not cached).
    return minor_digits(currency)


def plain_amount(pence: int, currency: str) -> str:
    """*pence* minor units of *currency* as the API's amount text, by integer arithmetic:
    exactly ``minimin.core.money.Money.from_pence(pence, currency).plain()`` ("1234.50",
    "-0.05", "1200" for JPY). A list answer shows two amounts per row, and building a Decimal
    Money for each cost more than the rest of the row."""
    digits = _minor_digits(currency)
    if digits == 0:
        return str(pence)
    whole, part = divmod(abs(pence), 10**digits)
    return f"{'-' if pence < 0 else ''}{whole}.{part:0{digits}d}"


class MoneyIn(In):
    """An amount sent to the API: exact to the currency's minor unit, never a float."""

    amount: str = Field(pattern=AMOUNT_PATTERN, examples=["1250.00"])
    currency: str = Field(default="GBP", pattern=CURRENCY_PATTERN)

    @field_validator("currency")
    @classmethod
    def _known(cls, value: str) -> str:
        try:
            return check_currency(value)
        except MoneyError as exc:
            raise ValueError(str(exc.message)) from exc

    @model_validator(mode="after")
    def _exact(self) -> MoneyIn:
        digits = minor_digits(self.currency)
        value = Decimal(self.amount)
        if value != value.quantize(Decimal(1).scaleb(-digits)):
            raise ValueError(f"{self.currency} amounts have at most {digits} decimal places")
        return self

    def pence(self) -> int:
        return int(Decimal(self.amount).scaleb(minor_digits(self.currency)))


class Page(Out, Generic[T]):
    """One page of a list. ``next_cursor`` is opaque: send it back as ``cursor`` for the next
    page; null on the last page."""

    data: list[T]
    next_cursor: str | None = None


class ErrorItem(BaseModel):
    field: str
    code: str
    detail: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[ErrorItem] | None = None


class ListQuery(BaseModel):
    """Paging parameters of every list."""

    model_config = ConfigDict(extra="ignore")

    limit: int = Field(default=50, ge=1, le=100, description="At most 100 items per page.")
    cursor: str | None = Field(
        default=None, max_length=200, description="The next_cursor of the previous page."
    )


def dump(value: Any) -> Any:
    return value.model_dump(mode="json") if isinstance(value, BaseModel) else value


def _storable(multiline: bool, required: bool) -> Any:
    def check(value: str) -> str:
        reason = check_text(value, multiline=multiline)
        if reason:
            raise ValueError(reason)
        if required and not value.strip():
            raise ValueError("Enter some text, not only spaces.")
        return value.strip()

    return AfterValidator(check)


def Text(max_length: int, *, min_length: int = 0, multiline: bool = False) -> Any:
    """A text member: what the database can store (no NUL, lone surrogates or, on one line,
    control characters), trimmed, at most *max_length* characters.

    The type is built at run time, where pydantic reads it; mypy sees a call in an annotation,
    so each member declared with it carries ``# type: ignore[valid-type]`` for that reason
    alone (as do the ``Literal[...]`` choices built from the models' tuples)."""
    return Annotated[
        str,
        Field(min_length=min_length, max_length=max_length),
        _storable(multiline, min_length > 0),
    ]
