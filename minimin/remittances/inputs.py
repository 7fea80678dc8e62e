"""What a user asks of a remittance, as the services take it (decision 0009): already parsed
values, named as the form's and the API body's fields, so that a refusal lands on the same
field at either door."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class LineInput:
    reference: str = ""
    description: str = ""
    work_date: dt.date | None = None
    gross_pence: int = 0
    fee_vat_pence: int = 0
    commission_pence: int = 0
    commission_vat_pence: int = 0
    expenses_pence: int = 0
    net_pence: int = 0
    job_id: uuid.UUID | None = None


@dataclass(frozen=True)
class RemittanceInput:
    agency_id: uuid.UUID
    date: dt.date
    kind: str = "advice"
    reference: str = ""
    agency_invoice_number: str = ""
    #: The total net the document states; ``None`` takes the sum of the lines.
    total_net_pence: int | None = None
    currency: str = "GBP"
    lines: Sequence[LineInput] = ()
    source_file_id: uuid.UUID | None = None


@dataclass(frozen=True)
class MatchInput:
    """The user's match: the job of each line (by the line's position; a line not named has
    no job) and the bank deposit that brought the money (``None``: not chosen)."""

    job_ids: Mapping[int, uuid.UUID | None] = field(default_factory=dict)
    bank_transaction_id: uuid.UUID | None = None


@dataclass(frozen=True)
class PostInput:
    #: The user has checked the differences listed and posts anyway.
    confirmed: bool = False


@dataclass(frozen=True)
class ImportInput:
    """A remittance file to read: for which agency (``None``: chosen when it is checked),
    what kind of document it is and, for a file that does not state it (a CSV file), the
    remittance's date."""

    agency_id: uuid.UUID | None
    kind: str = "advice"
    date: dt.date | None = None
