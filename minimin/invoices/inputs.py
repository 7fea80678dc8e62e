"""What a user asks of invoices, as already-parsed values (docs/decisions/0009).

Each door builds these: the pages from their forms, the API from its body models
(``to_input()``). The services check the rules of the books and raise
:class:`~minimin.invoices.services.InvoiceError` naming the field as it is named here.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from minimin.invoices.models import METHOD_BANK


@dataclass(frozen=True)
class LineInput:
    """One line of a draft."""

    description: str
    quantity: Decimal
    unit_price_pence: int
    vat_treatment: str
    job_id: uuid.UUID | None = None


@dataclass(frozen=True)
class DraftInput:
    """A draft invoice, whole: saving it replaces the draft's details and lines."""

    client_id: uuid.UUID | None = None
    agency_id: uuid.UUID | None = None
    currency: str = "GBP"
    #: Units of the currency per £1 (None for sterling).
    exchange_rate: Decimal | None = None
    issue_date: date | None = None
    tax_point: date | None = None
    due_date: date | None = None
    notes: str | None = None
    lines: Sequence[LineInput] = ()


@dataclass(frozen=True)
class FromJobsInput:
    """The jobs one draft bills (all for the same client or agency)."""

    job_ids: Sequence[uuid.UUID]


@dataclass(frozen=True)
class PaymentInput:
    """Money received against an invoice."""

    amount_pence: int
    paid_on: date
    method: str = METHOD_BANK
    reference: str | None = None


@dataclass(frozen=True)
class CreditLineInput:
    """A quantity of one invoice line to credit."""

    line_id: uuid.UUID
    quantity: Decimal


@dataclass(frozen=True)
class CreditNoteInput:
    """A credit note: the whole invoice (*full*), or the chosen quantities of its lines."""

    full: bool = False
    lines: Sequence[CreditLineInput] = ()
    reason: str | None = None


@dataclass(frozen=True)
class RefundInput:
    """Money paid back to the customer; *credit_note_id* is the note it refunds (by default
    the newest one not yet refunded in full)."""

    amount_pence: int
    refunded_on: date
    method: str = METHOD_BANK
    note: str | None = None
    credit_note_id: uuid.UUID | None = None


@dataclass(frozen=True)
class SendInput:
    """An invoice emailed to its customer; *to* is an address on record for them (None: the
    first one)."""

    to: str | None = None
    message: str | None = None
    copy_to_self: bool = False


@dataclass(frozen=True)
class RecurringInput:
    """How an invoice repeats: monthly or quarterly from *next_on*, or not (None)."""

    recurrence: str | None
    next_on: date | None = None
    issue_automatically: bool = False


@dataclass(frozen=True)
class ReminderPauseInput:
    """Whether the payment reminders of one invoice are paused."""

    paused: bool


@dataclass(frozen=True)
class ReminderRuleInput:
    """The reminder sent *offset_days* from the due date (negative: before it)."""

    offset_days: int
    subject: str
    body: str


@dataclass(frozen=True)
class ReminderRuleStateInput:
    """Whether one reminder of the schedule is sent."""

    enabled: bool
