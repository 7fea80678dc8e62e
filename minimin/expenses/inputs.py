"""What a user fills in for an expense, a recurring expense and a mileage journey: the typed
inputs both front doors build (the pages from their forms, the API from its bodies) and the
services take (docs/decisions/0009-typed-service-inputs.md).

Values are already parsed (dates, ``Decimal``, pence as ``int``, ids as ``uuid.UUID``) and
named as the forms' and the API's fields are, except the amounts, which are pence here
(``amount_pence``, ``vat_pence``) and ``amount``/``vat`` at the doors. The rules (an amount of
zero or more, VAT no larger than the amount, a job of yours, a date in an open period) are the
services'.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from minimin.expenses.mileage import CAR_VAN


@dataclass(frozen=True)
class ExpenseInput:
    """One business cost, as the expense form and ``POST /expenses`` give it."""

    date: dt.date
    #: Gross, VAT included, in minor units of ``currency``.
    amount_pence: int
    supplier: str = ""
    description: str = ""
    category: str = "other"
    currency: str = "GBP"
    vat_pence: int = 0
    #: None: the standard rate when there is a VAT amount, else no VAT.
    vat_treatment: str | None = None
    #: None: reclaimed whenever the business may reclaim input VAT.
    vat_reclaimable: bool | None = None
    business_percent: Decimal = Decimal(100)
    payment_method: str | None = None
    job_id: uuid.UUID | None = None
    #: Re-billed to the client of ``job_id`` (which it then needs).
    rebillable: bool = False
    notes: str = ""
    #: The user confirmed that a cost the books warn about (clothing, grooming...) is wholly
    #: and exclusively for the business; kept only while a warning applies.
    warnings_confirmed: bool = False


@dataclass(frozen=True)
class RecurringInput:
    """A subscription that becomes an expense on every due date, from ``start_date``."""

    supplier: str
    amount_pence: int
    start_date: dt.date
    frequency: str = "monthly"
    end_date: dt.date | None = None
    description: str = ""
    category: str = "other"
    currency: str = "GBP"
    vat_pence: int = 0
    vat_treatment: str | None = None
    vat_reclaimable: bool | None = None
    business_percent: Decimal = Decimal(100)
    payment_method: str | None = None
    notes: str = ""
    #: False stops the schedule (expenses already added stay).
    active: bool = True

    def first_expense(self) -> ExpenseInput:
        """The expense of the first due date: checked by the expense's own rules."""
        return ExpenseInput(
            date=self.start_date,
            amount_pence=self.amount_pence,
            supplier=self.supplier,
            description=self.description,
            category=self.category,
            currency=self.currency,
            vat_pence=self.vat_pence,
            vat_treatment=self.vat_treatment,
            vat_reclaimable=self.vat_reclaimable,
            business_percent=self.business_percent,
            payment_method=self.payment_method,
            notes=self.notes,
        )


@dataclass(frozen=True)
class JourneyInput:
    """One business journey of the mileage log."""

    date: dt.date
    origin: str
    destination: str
    purpose: str
    #: To one decimal place.
    miles: Decimal
    vehicle: str = CAR_VAN
    job_id: uuid.UUID | None = None
