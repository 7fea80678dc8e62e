"""What an expense and a recurring expense share: the amount with its VAT, the category and
the business share (with the description, how it was paid and notes). Each member and its
checks are declared once here, for the new row (:class:`CostIn`) and the change
(:class:`CostPatch`); a patch's members sent become the service input's fields here too."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Annotated, Any, Literal, Self, TypedDict

from pydantic import Field, model_validator

from minimin.api.problems import ApiProblem
from minimin.api.schemas import In, Money, MoneyIn, Text
from minimin.core.user_error import UserError
from minimin.expenses import categories
from minimin.expenses import models as m

Category = Literal[categories.CODES]  # type: ignore[valid-type]
ExpenseVat = Literal[tuple(m.VAT_TREATMENTS)]  # type: ignore[valid-type]
PaidWith = Literal[tuple(m.PAYMENT_METHODS)]  # type: ignore[valid-type]
Percent = Annotated[Decimal, Field(ge=0, le=100, decimal_places=3)]
#: The inputs' field names, as the API's members are named.
FIELD_NAMES = {"amount_pence": "amount", "vat_pence": "vat", "currency": "amount.currency"}

__all__ = [
    "FIELD_NAMES",
    "Category",
    "CostFields",
    "CostIn",
    "CostPatch",
    "ExpenseVat",
    "PaidWith",
    "Percent",
    "cost_out",
    "named_as_sent",
    "sent_members",
]


def _check_vat_currency(amount: MoneyIn | None, vat: MoneyIn | None) -> None:
    if amount is not None and vat is not None and vat.currency != amount.currency:
        raise ValueError("The VAT must be in the currency of the amount.")


class CostFields(TypedDict):
    """The cost members as the services' inputs (``ExpenseInput``, ``RecurringInput``) name
    them: money in minor units beside its currency, a note left out as empty."""

    amount_pence: int
    currency: str
    vat_pence: int
    description: str
    category: str
    vat_treatment: str | None
    vat_reclaimable: bool | None
    business_percent: Decimal
    payment_method: str | None
    notes: str


class CostIn(In):
    """The cost members of a new expense or recurring expense."""

    description: Text(m.DESCRIPTION_MAX) = ""  # type: ignore[valid-type]
    category: Category = "other"
    amount: MoneyIn
    vat: MoneyIn | None = None
    vat_treatment: ExpenseVat | None = Field(  # type: ignore[valid-type]
        default=None, description="Left out: standard rated when there is VAT, else none."
    )
    vat_reclaimable: bool | None = Field(
        default=None, description="Left out: reclaimed when your business may reclaim VAT."
    )
    business_percent: Percent = Decimal(100)
    payment_method: PaidWith | None = None  # type: ignore[valid-type]
    notes: Text(m.NOTES_MAX, multiline=True) | None = None  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _same_currency(self) -> Self:
        _check_vat_currency(self.amount, self.vat)
        return self

    def cost_fields(self) -> CostFields:
        return CostFields(
            amount_pence=self.amount.pence(),
            currency=self.amount.currency,
            vat_pence=self.vat.pence() if self.vat else 0,
            description=self.description,
            category=self.category,
            vat_treatment=self.vat_treatment,
            vat_reclaimable=self.vat_reclaimable,
            business_percent=self.business_percent,
            payment_method=self.payment_method,
            notes=self.notes or "",
        )


class CostPatch(In):
    """The cost members of a change: only those sent change; a member sent as null is cleared
    (where it may be)."""

    # The patches' members default to None to tell a member left out (pydantic does not check
    # defaults); a null sent for a member that cannot be empty is refused, as its type says.
    # Hence each such default's "type: ignore[assignment]".

    description: Text(m.DESCRIPTION_MAX) = None  # type: ignore[valid-type]
    category: Category = None
    amount: MoneyIn = None  # type: ignore[assignment]
    vat: MoneyIn | None = None
    vat_treatment: ExpenseVat | None = None  # type: ignore[valid-type]
    vat_reclaimable: bool | None = None
    business_percent: Percent = None  # type: ignore[assignment]
    payment_method: PaidWith | None = None  # type: ignore[valid-type]
    notes: Text(m.NOTES_MAX, multiline=True) | None = None  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _same_currency(self) -> Self:
        _check_vat_currency(self.amount, self.vat)
        return self

    def changes(self, currency: str) -> dict[str, Any]:
        """The members sent as the input's fields, for a row in *currency*."""
        return {**sent_members(self), **self._money_sent(currency)}

    def _money_sent(self, currency: str) -> dict[str, Any]:
        """The amount (with its currency) and the VAT sent, in minor units (a null VAT is
        none). A VAT amount sent alone must be in the currency the row already has."""
        sent = self.model_fields_set
        changes: dict[str, Any] = {}
        if "amount" in sent and self.amount is not None:
            changes["amount_pence"] = self.amount.pence()
            changes["currency"] = self.amount.currency
        elif self.vat is not None and self.vat.currency != currency:
            raise ApiProblem(
                422,
                errors=[
                    {
                        "field": "vat.currency",
                        "code": "currency",
                        "detail": f"This is in {currency}.",
                    }
                ],
            )
        if "vat" in sent:
            changes["vat_pence"] = self.vat.pence() if self.vat is not None else 0
        return changes


def cost_out(row: m.Expense | m.RecurringExpense) -> dict[str, Any]:
    """The shared members of an expense's or a recurring expense's answer, from *row*."""
    c = row.currency
    return {
        "description": row.description,
        "category": row.category,
        "amount": Money.of(row.amount_pence, c),
        "vat": Money.of(row.vat_pence, c),
        "vat_treatment": row.vat_treatment,
        "vat_reclaimable": row.vat_reclaimable,
        "business_percent": row.business_percent,
        "payment_method": row.payment_method,
        "notes": row.notes,
    }


def sent_members(body: In) -> dict[str, Any]:
    """The members *body* sent, but money, as the input's fields (a null text as empty)."""
    changes = {
        name: getattr(body, name) for name in body.model_fields_set if name not in ("amount", "vat")
    }
    if "notes" in changes:
        changes["notes"] = changes["notes"] or ""
    return changes


@contextmanager
def named_as_sent() -> Iterator[None]:
    """A service's refusal names the input's field (``amount_pence``); the answer names the
    member that was sent (``amount``)."""
    try:
        yield
    except UserError as exc:
        exc.field = FIELD_NAMES.get(exc.field or "", exc.field)
        raise
