"""Banking services: accounts, statement imports, categories, rules and reconciliation.

Services add and flush; the request (or the import task) commits. Reconciliation records
invoice payments through :func:`minimin.invoices.services.record_payment`, so an invoice's
balance and status (part paid, paid) stay right, and creates expenses through
:func:`minimin.expenses.services.create_expense` (idempotent on the transaction id).

The services are split by sub-feature, one module each:

* :mod:`.accounts` — bank accounts;
* :mod:`.imports` — keeping a statement, the CSV column mapping, queueing the import;
* :mod:`.import_run` — the background import: parsing and adding the rows in batches;
* :mod:`.categories` — categories, the user's rules and categories learned from choices;
* :mod:`.candidates` — reconciliation suggestions and what they are drawn from;
* :mod:`.matching` — accepting (and splitting), undoing and rejecting matches, ignoring;
* :mod:`.to_expense` — an outgoing transaction made into an expense;
* :mod:`.summaries` — what is still open, per account and page by page.

This package re-exports their public names, the typed inputs of the writes a user asks for
(:mod:`minimin.banking.inputs`, docs/decisions/0009-typed-service-inputs.md) and the CSV
importer, so the views and other features use one ``services`` as before.
"""

from __future__ import annotations

from minimin.banking.importers import csv_import
from minimin.banking.inputs import (
    Allocation,
    BankAccountInput,
    CategoryInput,
    ColumnsInput,
    ContactInput,
    ExpenseFromLineInput,
    IgnoreInput,
    MatchInput,
    RejectInput,
    RuleInput,
    RuleMoveInput,
    StatementInput,
    SuggestionTarget,
)
from minimin.banking.services.accounts import create_account, delete_account, update_account
from minimin.banking.services.candidates import (
    as_txn,
    expected_agency_payments,
    open_expenses,
    open_invoices,
    rejected_for,
    suggestions,
)
from minimin.banking.services.categories import (
    MAX_RULES,
    RulesApplied,
    apply_rules,
    create_rule,
    delete_rule,
    learned_categories,
    move_rule,
    ordered_rules,
    rule_spec,
    set_category,
    set_contacts,
    update_rule,
)
from minimin.banking.services.errors import BankingError
from minimin.banking.services.import_run import BATCH, parse_statement, run_import
from minimin.banking.services.imports import (
    INLINE_CHECK_ROWS,
    choose_columns,
    confirm_mapping,
    import_if_known,
    inspect_job,
    queue_import,
    read_statement,
    rules_safe_label,
    start_import,
    statement_kind,
    upload_statement,
)
from minimin.banking.services.matching import (
    accept,
    match,
    record_match,
    reject,
    set_ignored,
    undo_match,
)
from minimin.banking.services.summaries import (
    AccountSummary,
    unreconciled_page,
    unreconciled_summary,
)
from minimin.banking.services.to_expense import expense_from_transaction

__all__ = [
    "BATCH",
    "INLINE_CHECK_ROWS",
    "MAX_RULES",
    "AccountSummary",
    "Allocation",
    "BankAccountInput",
    "BankingError",
    "CategoryInput",
    "ColumnsInput",
    "ContactInput",
    "ExpenseFromLineInput",
    "IgnoreInput",
    "MatchInput",
    "RejectInput",
    "RuleInput",
    "RuleMoveInput",
    "RulesApplied",
    "StatementInput",
    "SuggestionTarget",
    "accept",
    "apply_rules",
    "as_txn",
    "choose_columns",
    "confirm_mapping",
    "create_account",
    "create_rule",
    "csv_import",
    "delete_account",
    "delete_rule",
    "expected_agency_payments",
    "expense_from_transaction",
    "import_if_known",
    "inspect_job",
    "learned_categories",
    "match",
    "move_rule",
    "open_expenses",
    "open_invoices",
    "ordered_rules",
    "parse_statement",
    "queue_import",
    "read_statement",
    "record_match",
    "reject",
    "rejected_for",
    "rule_spec",
    "rules_safe_label",
    "run_import",
    "set_category",
    "set_contacts",
    "set_ignored",
    "start_import",
    "statement_kind",
    "suggestions",
    "undo_match",
    "unreconciled_page",
    "unreconciled_summary",
    "update_account",
    "update_rule",
    "upload_statement",
]
