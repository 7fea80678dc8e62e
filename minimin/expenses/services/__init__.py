"""Expense services: the one way expenses, receipts, recurring templates and journeys change.

Every write a user asks for takes its owner and one typed input (:mod:`minimin.expenses.inputs`,
docs/decisions/0009-typed-service-inputs.md), or the row it changes. Services add and flush;
the request (or the task) commits. Other features create expenses with :func:`create_expense`
(bank transactions, agency remittances): passing ``source`` and ``external_ref`` makes the
creation idempotent, so the same bank line or remittance posted twice gives the same expense.

The services are split by sub-feature, one module each:

* :mod:`.checks` — the refusal, the closed-period guard, the VAT status and the field checks
  every other module shares;
* :mod:`.expenses` — an expense added, changed, deleted, or found by its source's reference;
* :mod:`.receipts` — receipts attached to an expense and removed;
* :mod:`.recurring` — recurring templates, how far back they start and their catch-up;
* :mod:`.journeys` — the mileage log and its value per tax year.

This package re-exports their public names, the typed inputs and the expense sources, so the
views, the API and other features use one ``services`` as before.
"""

from __future__ import annotations

from minimin.expenses.inputs import ExpenseInput, JourneyInput, RecurringInput
from minimin.expenses.models import BANK, MANUAL, RECURRING, REMITTANCE
from minimin.expenses.services.checks import (
    ExpenseError,
    default_vat_reclaimable,
    vat_reclaim_allowed,
)
from minimin.expenses.services.expenses import (
    create_expense,
    delete_expense,
    expense_input,
    find_by_external_ref,
    update_expense,
)
from minimin.expenses.services.journeys import (
    MileageYear,
    create_journey,
    delete_journey,
    journey_input,
    mileage_by_tax_year,
    update_journey,
)
from minimin.expenses.services.receipts import add_receipt, attach_file, remove_receipt
from minimin.expenses.services.recurring import (
    MAX_CATCH_UP,
    create_due_expenses,
    create_due_for,
    create_recurring,
    delete_recurring,
    earliest_recurring_start,
    next_due_date,
    recurring_input,
    update_recurring,
)

__all__ = [
    "BANK",
    "MANUAL",
    "MAX_CATCH_UP",
    "RECURRING",
    "REMITTANCE",
    "ExpenseError",
    "ExpenseInput",
    "JourneyInput",
    "MileageYear",
    "RecurringInput",
    "add_receipt",
    "attach_file",
    "create_due_expenses",
    "create_due_for",
    "create_expense",
    "create_journey",
    "create_recurring",
    "default_vat_reclaimable",
    "delete_expense",
    "delete_journey",
    "delete_recurring",
    "earliest_recurring_start",
    "expense_input",
    "find_by_external_ref",
    "journey_input",
    "mileage_by_tax_year",
    "next_due_date",
    "recurring_input",
    "remove_receipt",
    "update_expense",
    "update_journey",
    "update_recurring",
    "vat_reclaim_allowed",
]
