"""Bank accounts, statement imports, transactions (categorised, matched, ignored) and the
rules that categorise them: the banking pages' actions, through the same services."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from flask_login import current_user
from pydantic import Field, field_validator
from werkzeug.datastructures import FileStorage

from minimin.api import paging
from minimin.api.operations import operation
from minimin.api.problems import ApiProblem
from minimin.api.schemas import In, ListQuery, Money, MoneyIn, Out, Page, Text
from minimin.banking import inputs, listing, rules, services
from minimin.banking import models as m
from minimin.banking.importers import StatementError, StatementErrors
from minimin.banking.importers.detect import DATE_ORDERS
from minimin.core.tenancy import owned_or_404

Reconciliation = Literal[m.RECONCILIATION_STATES]  # type: ignore[valid-type]
MatchKind = Literal[m.MATCH_KINDS]  # type: ignore[valid-type]
Currency = Literal[m.CURRENCIES]  # type: ignore[valid-type]
CATEGORY_CODES = tuple(rules.ALL_CATEGORIES)
EXPENSE_CATEGORY_CODES = tuple(rules.EXPENSE_CATEGORIES)
Category = Literal[CATEGORY_CODES]  # type: ignore[valid-type]
ExpenseCategory = Literal[EXPENSE_CATEGORY_CODES]  # type: ignore[valid-type]
RuleKind = Literal[m.RULE_KINDS]  # type: ignore[valid-type]
Direction = Literal[m.DIRECTIONS]  # type: ignore[valid-type]
DateOrder = Literal[DATE_ORDERS]  # type: ignore[valid-type]
#: The largest amount a rule's range may name (as the rules page's form).
MAX_RULE_PENCE = 10_000_000_000


class BankAccountOut(Out):
    id: uuid.UUID
    name: str
    last_four: str | None
    currency: str
    archived_at: dt.datetime | None


class TransactionQuery(ListQuery):
    bank_account_id: uuid.UUID | None = None
    reconciliation: Reconciliation | None = Field(
        default=None, description="As on the transactions page."
    )
    date_from: dt.date | None = None
    date_to: dt.date | None = None


class TransactionOut(Out):
    id: uuid.UUID
    bank_account_id: uuid.UUID
    posted_on: dt.date
    amount: Money
    description: str
    counterparty: str
    reference: str
    category: str | None
    client_id: uuid.UUID | None
    agency_id: uuid.UUID | None
    reconciliation: str
    reconciled: Money


def _transaction_out(txn: m.BankTransaction) -> TransactionOut:
    return TransactionOut(
        id=txn.id,
        bank_account_id=txn.bank_account_id,
        posted_on=txn.posted_on,
        amount=Money.of(txn.amount_pence, txn.currency),
        description=txn.description,
        counterparty=txn.counterparty,
        reference=txn.reference,
        category=txn.category,
        client_id=txn.client_id,
        agency_id=txn.agency_id,
        reconciliation=txn.reconciliation,
        reconciled=Money.of(txn.reconciled_pence, txn.currency),
    )


@operation(
    "GET",
    "/bank-accounts",
    summary="List bank accounts",
    tag="banking",
    scope="banking:read",
    query=ListQuery,
    response=Page[BankAccountOut],
)
def list_bank_accounts(query: ListQuery) -> Page[BankAccountOut]:
    return paging.page(
        listing.every_account(current_user.id),
        m.BankAccount,
        query,
        BankAccountOut.model_validate,
    )


@operation(
    "GET",
    "/bank-accounts/<bank_account_id>",
    summary="One bank account",
    tag="banking",
    scope="banking:read",
    response=BankAccountOut,
)
def get_bank_account(bank_account_id: str) -> BankAccountOut:
    return BankAccountOut.model_validate(owned_or_404(m.BankAccount, bank_account_id))


@operation(
    "GET",
    "/transactions",
    summary="List bank transactions",
    tag="banking",
    scope="banking:read",
    query=TransactionQuery,
    response=Page[TransactionOut],
)
def list_transactions(query: TransactionQuery) -> Page[TransactionOut]:
    statement = listing.transactions(
        current_user.id,
        bank_account_id=query.bank_account_id,
        reconciliation=query.reconciliation,
        date_from=query.date_from,
        date_to=query.date_to,
    )
    return paging.page(statement, m.BankTransaction, query, _transaction_out)


@operation(
    "GET",
    "/transactions/<txn_id>",
    summary="One bank transaction",
    tag="banking",
    scope="banking:read",
    response=TransactionOut,
)
def get_transaction(txn_id: str) -> TransactionOut:
    return _transaction_out(owned_or_404(m.BankTransaction, txn_id))


# --------------------------------------------------------------------------- bank accounts


class BankAccountIn(In):
    name: Text(m.NAME_MAX, min_length=1)  # type: ignore[valid-type]
    last_four: Text(4) | None = Field(  # type: ignore[valid-type]
        default=None, description="The last four digits of the account number."
    )
    currency: Currency = Field(default="GBP", description="Chosen once: it cannot change.")

    def to_input(self) -> inputs.BankAccountInput:
        return inputs.BankAccountInput(
            name=self.name, last_four=self.last_four or None, currency=self.currency
        )


class BankAccountChangeIn(In):
    """Only the members sent change; ``last_four`` null removes the digits."""

    name: Text(m.NAME_MAX, min_length=1) | None = None  # type: ignore[valid-type]
    last_four: Text(4) | None = None  # type: ignore[valid-type]

    def to_input(self, account: m.BankAccount) -> inputs.BankAccountInput:
        sent = self.model_fields_set
        return inputs.BankAccountInput(
            name=self.name if self.name is not None else account.name,
            last_four=(self.last_four or None) if "last_four" in sent else account.last_four,
            currency=account.currency,
        )


class DeletedOut(Out):
    id: uuid.UUID
    deleted: bool = True


@operation(
    "POST",
    "/bank-accounts",
    summary="Add a bank account",
    tag="banking",
    scope="banking:write",
    body=BankAccountIn,
    response=BankAccountOut,
    status=201,
    covers=("banking.new_account",),
)
def create_bank_account(body: BankAccountIn) -> BankAccountOut:
    account = services.create_account(current_user.id, body.to_input())
    return BankAccountOut.model_validate(account)


@operation(
    "PATCH",
    "/bank-accounts/<bank_account_id>",
    summary="Rename a bank account or change its last four digits",
    tag="banking",
    scope="banking:write",
    body=BankAccountChangeIn,
    response=BankAccountOut,
    covers=("banking.edit_account",),
    load=(m.BankAccount, "account"),
    lock=True,
)
def update_bank_account(account: m.BankAccount, body: BankAccountChangeIn) -> BankAccountOut:
    return BankAccountOut.model_validate(services.update_account(account, body.to_input(account)))


@operation(
    "DELETE",
    "/bank-accounts/<bank_account_id>",
    summary="Delete a bank account with its transactions",
    tag="banking",
    scope="banking:write",
    response=DeletedOut,
    covers=("banking.delete_account",),
    load=(m.BankAccount, "account"),
    lock=True,
)
def delete_bank_account(account: m.BankAccount) -> DeletedOut:
    """Refused (409) while any of its transactions is matched: undo those matches first."""
    account_id = account.id
    services.delete_account(account)
    return DeletedOut(id=account_id)


# --------------------------------------------------------------------------- statements


class ImportOut(Out):
    id: uuid.UUID
    bank_account_id: uuid.UUID
    filename: str
    kind: str
    status: str = Field(description="pending: its columns are still to be chosen.")
    rows_total: int
    rows_done: int
    added: int
    duplicates: int


class ColumnsIn(In):
    """The 0-based index of the column holding each thing (null: none). Either ``amount``
    (signed: minus is money out) or ``money_in`` and ``money_out``."""

    date: int = Field(ge=0, le=1000)
    description: int | None = Field(default=None, ge=0, le=1000)
    amount: int | None = Field(default=None, ge=0, le=1000)
    money_in: int | None = Field(default=None, ge=0, le=1000)
    money_out: int | None = Field(default=None, ge=0, le=1000)
    counterparty: int | None = Field(default=None, ge=0, le=1000)
    reference: int | None = Field(default=None, ge=0, le=1000)
    date_order: DateOrder | None = Field(
        default=None, description="Needed when the dates read both ways (03/04/2025)."
    )
    remember: bool = Field(
        default=True, description="Use these columns for this account's next CSV files."
    )

    def to_input(self) -> inputs.ColumnsInput:
        return inputs.ColumnsInput(
            date=self.date,
            description=self.description,
            amount=self.amount,
            money_in=self.money_in,
            money_out=self.money_out,
            counterparty=self.counterparty,
            reference=self.reference,
            date_order=self.date_order,
            remember=self.remember,
        )


def _import_out(job: m.ImportJob) -> ImportOut:
    return ImportOut.model_validate(job)


def _statement_problem(exc: StatementErrors | StatementError, field: str) -> ApiProblem:
    problems = exc.errors if isinstance(exc, StatementErrors) else [exc]
    errors = [{"field": field, "code": "statement", "detail": str(e)} for e in problems]
    return ApiProblem(422, str(exc), errors=errors)


@operation(
    "POST",
    "/bank-accounts/<bank_account_id>/imports",
    summary="Import a statement (CSV, OFX or QFX)",
    tag="banking",
    scope="banking:write",
    response=ImportOut,
    status=202,
    upload="statement",
    covers=("banking.upload",),
    load=(m.BankAccount, "account"),
)
def import_statement(account: m.BankAccount, upload: FileStorage) -> ImportOut:
    """Send the file as multipart/form-data in the part named ``statement``. OFX and QFX are
    imported at once; a CSV file too when its columns are known (a bank's layout Minimin
    recognises, or the columns confirmed for this account before), else the import waits as
    ``pending`` until its columns are chosen (``POST /imports/{id}/columns``). Lines already
    imported are counted as duplicates, never added twice."""
    statement = inputs.StatementInput(upload.stream.read(), upload.filename)
    try:
        job, inspection = services.upload_statement(account, statement)
    except StatementErrors as exc:
        raise _statement_problem(exc, "statement") from exc
    services.import_if_known(job, inspection)
    return _import_out(job)


@operation(
    "GET",
    "/imports/<import_id>",
    summary="A statement import's progress",
    tag="banking",
    scope="banking:read",
    response=ImportOut,
)
def get_import(import_id: str) -> ImportOut:
    return _import_out(owned_or_404(m.ImportJob, import_id))


@operation(
    "POST",
    "/imports/<import_id>/columns",
    summary="Choose the columns of a pending CSV import, and start it",
    tag="banking",
    scope="banking:write",
    body=ColumnsIn,
    response=ImportOut,
    status=202,
    covers=("banking.mapping",),
    load=(m.ImportJob, "job"),
    lock=True,
)
def choose_columns(job: m.ImportJob, body: ColumnsIn) -> ImportOut:
    """As the import page: a file of up to 5,000 rows is read through now and each bad row is
    named in ``errors`` (nothing starts); a larger one is checked by the import itself. 409
    once the import has started."""
    try:
        services.choose_columns(job, body.to_input())
    except (StatementErrors, StatementError) as exc:
        raise _statement_problem(exc, "columns") from exc
    return _import_out(job)


# --------------------------------------------------------------------------- transactions


class TransactionChangeIn(In):
    """Only the members sent change, as the transaction page's forms: ``category`` (null
    clears it), ``client_id`` and ``agency_id`` (null: none), ``ignored`` (left out of
    reconciliation: a transfer between your own accounts, personal spending)."""

    category: Category | None = None
    client_id: uuid.UUID | None = None
    agency_id: uuid.UUID | None = None
    ignored: bool | None = None

    def category_input(self) -> inputs.CategoryInput | None:
        if "category" not in self.model_fields_set:
            return None
        return inputs.CategoryInput(category=self.category)

    def contact_input(self, txn: m.BankTransaction) -> inputs.ContactInput | None:
        sent = self.model_fields_set
        if not sent & {"client_id", "agency_id"}:
            return None
        return inputs.ContactInput(
            client_id=self.client_id if "client_id" in sent else txn.client_id,
            agency_id=self.agency_id if "agency_id" in sent else txn.agency_id,
        )

    def ignore_input(self) -> inputs.IgnoreInput | None:
        return None if self.ignored is None else inputs.IgnoreInput(ignored=self.ignored)


@operation(
    "PATCH",
    "/transactions/<txn_id>",
    summary="Categorise a transaction, set its client or agency, or ignore it",
    tag="banking",
    scope="banking:write",
    body=TransactionChangeIn,
    response=TransactionOut,
    covers=("banking.set_category", "banking.set_contact", "banking.ignore"),
    load=(m.BankTransaction, "txn"),
    lock=True,
)
def update_transaction(txn: m.BankTransaction, body: TransactionChangeIn) -> TransactionOut:
    """A category is refused for a line dated in a closed period (up to your latest filed VAT
    return); clients and agencies must be yours; a matched line cannot be ignored. Nothing
    changes when any part is refused."""
    if (category := body.category_input()) is not None:
        services.set_category(txn, category)
    if (contacts := body.contact_input(txn)) is not None:
        services.set_contacts(txn, contacts)
    if (ignore := body.ignore_input()) is not None:
        services.set_ignored(txn, ignore)
    return _transaction_out(txn)


class AllocationIn(In):
    kind: MatchKind
    target_id: uuid.UUID
    amount: MoneyIn


class MatchIn(In):
    allocations: list[AllocationIn] = Field(min_length=1, max_length=20)

    def to_input(self) -> inputs.MatchInput:
        return inputs.MatchInput(
            tuple(
                inputs.Allocation(a.kind, a.target_id, a.amount.pence(), "api")
                for a in self.allocations
            )
        )


class MatchOut(Out):
    id: uuid.UUID
    kind: str
    target_id: uuid.UUID
    amount: Money
    payment_id: uuid.UUID | None


class MatchResult(Out):
    transaction: TransactionOut
    matches: list[MatchOut]


@operation(
    "POST",
    "/transactions/<txn_id>/matches",
    summary="Match a transaction to invoices, payments, remittances, jobs or expenses",
    tag="banking",
    scope="banking:write",
    body=MatchIn,
    response=MatchResult,
    status=201,
    covers=("banking.accept", "banking.split"),
    load=(m.BankTransaction, "txn"),
    lock=True,
)
def match_transaction(txn: m.BankTransaction, body: MatchIn) -> MatchResult:
    """As the reconciliation page: an invoice matched records its payment (or links the one
    already recorded); several allocations split the line. Targets must be yours; nothing is
    kept when any allocation is refused."""
    for index, allocation in enumerate(body.allocations):
        if allocation.amount.currency != txn.currency:
            raise ApiProblem(
                422,
                errors=[
                    {
                        "field": f"allocations.{index}.amount.currency",
                        "code": "currency",
                        "detail": f"This transaction is in {txn.currency}.",
                    }
                ],
            )
    created = services.match(txn, body.to_input())
    return MatchResult(
        transaction=_transaction_out(txn),
        matches=[
            MatchOut(
                id=match.id,
                kind=match.kind,
                target_id=match.target_id,
                amount=Money.of(match.amount_pence, txn.currency),
                payment_id=match.payment_id,
            )
            for match in created
        ],
    )


@operation(
    "DELETE",
    "/transactions/<txn_id>/matches/<match_id>",
    summary="Undo a match",
    tag="banking",
    scope="banking:write",
    response=TransactionOut,
    covers=("banking.undo_match",),
    load=(m.BankMatch, "match"),
    lock=True,
)
def undo_match(txn_id: str, match: m.BankMatch) -> TransactionOut:
    """An invoice payment the match recorded is deleted (the invoice reopens; refused when
    the payment is in a closed period); a payment, remittance or expense it linked stays."""
    txn = owned_or_404(m.BankTransaction, txn_id, for_update=True)
    if match.transaction_id != txn.id:
        raise ApiProblem(404)
    services.undo_match(match)
    return _transaction_out(txn)


class SuggestionIn(In):
    kind: MatchKind
    target_id: uuid.UUID


class DismissIn(In):
    """The targets of the suggestion, as offered (a split suggestion has several)."""

    targets: list[SuggestionIn] = Field(min_length=1, max_length=20)

    def to_input(self) -> inputs.RejectInput:
        return inputs.RejectInput(
            tuple(inputs.SuggestionTarget(t.kind, t.target_id) for t in self.targets)
        )


@operation(
    "POST",
    "/transactions/<txn_id>/dismissed-suggestions",
    summary="Dismiss a match suggestion (it is not suggested again for this transaction)",
    tag="banking",
    scope="banking:write",
    body=DismissIn,
    response=TransactionOut,
    status=201,
    covers=("banking.reject",),
    load=(m.BankTransaction, "txn"),
)
def dismiss_suggestion(txn: m.BankTransaction, body: DismissIn) -> TransactionOut:
    services.reject(txn, body.to_input())
    return _transaction_out(txn)


class ExpenseFromLineIn(In):
    category: ExpenseCategory | None = Field(
        default=None,
        description="The expense category; by default the transaction's own when it is one, "
        "else other.",
    )

    def to_input(self) -> inputs.ExpenseFromLineInput:
        return inputs.ExpenseFromLineInput(category=self.category)


class ExpenseFromLineOut(Out):
    expense_id: uuid.UUID
    transaction: TransactionOut


@operation(
    "POST",
    "/transactions/<txn_id>/expense",
    summary="Make an outgoing transaction into the expense it paid for, matched to it",
    tag="banking",
    scope="banking:write",
    body=ExpenseFromLineIn,
    response=ExpenseFromLineOut,
    status=201,
    covers=("banking.create_expense",),
    load=(m.BankTransaction, "txn"),
    lock=True,
)
def expense_from_transaction(txn: m.BankTransaction, body: ExpenseFromLineIn) -> ExpenseFromLineOut:
    """The expense takes the transaction's date, payee and open amount."""
    expense = services.expense_from_transaction(txn, body.to_input())
    return ExpenseFromLineOut(expense_id=expense.id, transaction=_transaction_out(txn))


# --------------------------------------------------------------------------- rules


def _rule_amount(value: MoneyIn | None) -> int | None:
    if value is None:
        return None
    pence = value.pence()
    if not 0 <= pence <= MAX_RULE_PENCE:
        raise ValueError("Enter an amount from 0 to 100,000,000.")
    return pence


class RuleIn(In):
    """Which lines the rule matches (the description and payee contain ``pattern``, match it
    as a regular expression, or any line for ``any``; money in, out or either; within the
    amount range, compared with the line's amount without its sign) and what it sets."""

    match_kind: RuleKind = "contains"
    pattern: Text(rules.PATTERN_MAX) = ""  # type: ignore[valid-type]
    direction: Direction = "any"
    min_amount: MoneyIn | None = None
    max_amount: MoneyIn | None = None
    category: Category | None = None
    client_id: uuid.UUID | None = None
    agency_id: uuid.UUID | None = None

    @field_validator("min_amount", "max_amount")
    @classmethod
    def _in_range(cls, value: MoneyIn | None) -> MoneyIn | None:
        _rule_amount(value)
        return value

    def to_input(self) -> inputs.RuleInput:
        return inputs.RuleInput(
            match_kind=self.match_kind,
            pattern=self.pattern,
            direction=self.direction,
            min_pence=_rule_amount(self.min_amount),
            max_pence=_rule_amount(self.max_amount),
            category=self.category,
            client_id=self.client_id,
            agency_id=self.agency_id,
        )


class RuleOut(Out):
    id: uuid.UUID
    position: int = Field(
        description="Rules are tried in this order, 1 first; the first that matches wins."
    )
    match_kind: str
    pattern: str
    direction: str
    min_amount: Money | None
    max_amount: Money | None
    category: str | None
    client_id: uuid.UUID | None
    agency_id: uuid.UUID | None


class RuleList(Out):
    data: list[RuleOut]


class RuleMoveIn(In):
    direction: Literal["up", "down"]

    def to_input(self) -> inputs.RuleMoveInput:
        return inputs.RuleMoveInput(direction=self.direction)


class AppliedOut(Out):
    categorised: int = Field(description="How many transactions the rules categorised.")
    skipped_closed: int = Field(
        description="How many transactions a rule matched but left without a category "
        "because they are dated in a closed period (up to `locked_through`)."
    )
    locked_through: dt.date | None = Field(
        description="The last day of the closed period (a filed VAT return or a closed year) "
        "when a transaction was left because of it, else null."
    )


def _rule_out(rule: m.CategoryRule) -> RuleOut:
    return RuleOut(
        id=rule.id,
        position=rule.position,
        match_kind=rule.match_kind,
        pattern=rule.pattern,
        direction=rule.direction,
        min_amount=Money.maybe(rule.min_pence, "GBP"),
        max_amount=Money.maybe(rule.max_pence, "GBP"),
        category=rule.category,
        client_id=rule.client_id,
        agency_id=rule.agency_id,
    )


def _rule_list() -> RuleList:
    return RuleList(data=[_rule_out(r) for r in services.ordered_rules(current_user.id)])


@operation(
    "GET",
    "/bank-rules",
    summary="The categorisation rules, in the order they are tried",
    tag="banking",
    scope="banking:read",
    response=RuleList,
)
def list_rules() -> RuleList:
    return _rule_list()


@operation(
    "GET",
    "/bank-rules/<rule_id>",
    summary="One categorisation rule",
    tag="banking",
    scope="banking:read",
    response=RuleOut,
)
def get_rule(rule_id: str) -> RuleOut:
    return _rule_out(owned_or_404(m.CategoryRule, rule_id))


@operation(
    "POST",
    "/bank-rules",
    summary="Add a categorisation rule (tried after the others)",
    tag="banking",
    scope="banking:write",
    body=RuleIn,
    response=RuleOut,
    status=201,
    covers=("banking.rules_page",),
)
def create_rule(body: RuleIn) -> RuleOut:
    """It sets a category, a client or an agency (at least one) on the lines it matches, when
    the rules are applied and on every statement imported after."""
    return _rule_out(services.create_rule(current_user.id, body.to_input()))


@operation(
    "PUT",
    "/bank-rules/<rule_id>",
    summary="Change a categorisation rule (it keeps its place)",
    tag="banking",
    scope="banking:write",
    body=RuleIn,
    response=RuleOut,
    covers=("banking.edit_rule",),
    load=(m.CategoryRule, "rule"),
    lock=True,
)
def update_rule(rule: m.CategoryRule, body: RuleIn) -> RuleOut:
    return _rule_out(services.update_rule(rule, body.to_input()))


@operation(
    "DELETE",
    "/bank-rules/<rule_id>",
    summary="Delete a categorisation rule",
    tag="banking",
    scope="banking:write",
    response=DeletedOut,
    covers=("banking.delete_rule",),
    load=(m.CategoryRule, "rule"),
)
def delete_rule(rule: m.CategoryRule) -> DeletedOut:
    """Transactions it categorised keep their category."""
    rule_id = rule.id
    services.delete_rule(rule)
    return DeletedOut(id=rule_id)


@operation(
    "POST",
    "/bank-rules/<rule_id>/move",
    summary="Try a rule one place earlier or later",
    tag="banking",
    scope="banking:write",
    body=RuleMoveIn,
    response=RuleList,
    covers=("banking.move_rule",),
    load=(m.CategoryRule, "rule"),
    lock=True,
)
def move_rule(rule: m.CategoryRule, body: RuleMoveIn) -> RuleList:
    """Answers every rule in the new order (the first stays first, the last last)."""
    services.move_rule(rule, body.to_input())
    return _rule_list()


@operation(
    "POST",
    "/bank-rules/apply",
    summary="Apply the rules to the transactions with no category",
    tag="banking",
    scope="banking:write",
    response=AppliedOut,
    covers=("banking.apply_rules",),
)
def apply_rules() -> AppliedOut:
    """A client or agency you set (or cleared) on a transaction is never overridden."""
    outcome = services.apply_rules(current_user.id)
    return AppliedOut(
        categorised=outcome.categorised,
        skipped_closed=outcome.skipped_closed,
        locked_through=outcome.locked_through,
    )
