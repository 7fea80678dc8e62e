"""What a user asks of the reports, as the services take it (decision 0009): already parsed
values, named as the form's and the API body's fields."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from minimin.core.dates import TaxYear


@dataclass(frozen=True)
class VatFilingInput:
    """A VAT return the user has submitted to HMRC, to mark as filed: its period and, when
    known, HMRC's period key (upper case)."""

    start: dt.date
    end: dt.date
    period_key: str | None = None


@dataclass(frozen=True)
class ExportInput:
    """An accountant export of one tax year."""

    tax_year: TaxYear
