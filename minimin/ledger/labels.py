"""The words a sole trader understands for the journal: a name for every account code of
:mod:`minimin.ledger.accounts` ("Sales you invoiced", "Owed to you by Acme Ltd") and a sentence
for every line ("£1,200.00 counted as sales (turnover)").

Accounts per client, agency or bank account carry the contact's or the account's name, looked
up in bulk for a page (:func:`names_for`: at most three statements whatever the number of
lines). Every string is translatable (lazy, so module constants follow the reader's language).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from minimin.core.templating import money
from minimin.ledger import accounts as acc
from minimin.ledger.entries import ACCRUALS, BOTH, CASH


@dataclass(frozen=True)
class Words:
    """An account's name, and the sentence of a line that adds to it (*more*) or takes from
    it (*less*); the sentences take ``%(amount)s`` and, for named accounts, ``%(name)s``."""

    label: Any
    more: Any
    less: Any


# Fixed accounts, by code.
FIXED: dict[str, Words] = {
    acc.TURNOVER_DIRECT: Words(
        _l("Sales you invoiced"),
        _l("%(amount)s counted as sales (turnover)"),
        _l("%(amount)s taken off sales (turnover)"),
    ),
    acc.TURNOVER_AGENCY: Words(
        _l("Sales through agencies"),
        _l("%(amount)s counted as sales through an agency (turnover)"),
        _l("%(amount)s taken off sales through agencies (turnover)"),
    ),
    acc.OTHER_INCOME: Words(
        _l("Other business income"),
        _l("%(amount)s counted as other business income"),
        _l("%(amount)s taken off other business income"),
    ),
    acc.OUTPUT_VAT: Words(
        _l("VAT you charged"),
        _l("%(amount)s of VAT you charged, owed to HMRC"),
        _l("%(amount)s taken off the VAT you charged"),
    ),
    acc.INPUT_VAT: Words(
        _l("VAT you can reclaim"),
        _l("%(amount)s of VAT you can reclaim from HMRC"),
        _l("%(amount)s taken off the VAT you can reclaim"),
    ),
    acc.UNPAID_SALES: Words(
        _l("Invoiced, not yet paid (cash basis)"),
        _l("%(amount)s invoiced but not paid yet, so not yet income on the cash basis"),
        _l("%(amount)s of invoices paid, so now income on the cash basis"),
    ),
    acc.UNDEPOSITED: Words(
        _l("Money not yet on a bank statement"),
        _l("%(amount)s received, waiting to show on a bank statement"),
        _l("%(amount)s paid out or found on a bank statement"),
    ),
    acc.AGENCY_CLEARING: Words(
        _l("Paid by agencies, on its way to your bank"),
        _l("%(amount)s paid to you by an agency, on its way to your bank"),
        _l("%(amount)s kept back by an agency or found on a bank statement"),
    ),
    acc.SUSPENSE: Words(
        _l("Bank lines not yet explained"),
        _l("%(amount)s of a bank line now explained"),
        _l("%(amount)s of a bank line now explained"),
    ),
    acc.TRANSFERS: Words(
        _l("Money moving between your accounts"),
        _l("%(amount)s on its way into one of your accounts"),
        _l("%(amount)s on its way out of one of your accounts"),
    ),
    acc.OWNER_CAPITAL: Words(
        _l("Your own money put into the business"),
        _l("%(amount)s of your own money put into the business"),
        _l("%(amount)s of the money you put in taken back"),
    ),
    acc.OWNER_DRAWINGS: Words(
        _l("Money you took out (drawings)"),
        _l("%(amount)s taken out for yourself (drawings, not an expense)"),
        _l("%(amount)s taken off your drawings"),
    ),
}

# Accounts per client, agency or bank account, by code prefix.
NAMED: dict[str, Words] = {
    acc.DEBTOR_CLIENT_PREFIX: Words(
        _l("Owed to you by %(name)s"),
        _l("%(amount)s owed to you by %(name)s"),
        _l("%(amount)s less owed to you by %(name)s"),
    ),
    acc.DEBTOR_AGENCY_PREFIX: Words(
        _l("Owed to you by %(name)s"),
        _l("%(amount)s owed to you by %(name)s"),
        _l("%(amount)s less owed to you by %(name)s"),
    ),
    acc.BANK_PREFIX: Words(
        _l("Bank account: %(name)s"),
        _l("%(amount)s into %(name)s"),
        _l("%(amount)s out of %(name)s"),
    ),
}

ALLOWABLE = Words(
    _l("Allowable expenses, box %(box)s: %(name)s"),
    _l("%(amount)s counted as an allowable expense (box %(box)s, %(name)s)"),
    _l("%(amount)s taken off allowable expenses (box %(box)s, %(name)s)"),
)
DISALLOWABLE = Words(
    _l("Disallowable expenses, box %(box)s: %(name)s"),
    _l("%(amount)s spent but not allowable against tax (box %(box)s, %(name)s)"),
    _l("%(amount)s taken off disallowable expenses (box %(box)s, %(name)s)"),
)
UNKNOWN = Words(
    _l("Account %(name)s"), _l("%(amount)s into %(name)s"), _l("%(amount)s out of %(name)s")
)

#: A bank line's own entry parks what it has not yet explained in suspense, whichever way the
#: money went; every other entry (a match) takes it out as explained.
SUSPENSE_WAITING = _l("%(amount)s waiting to be explained (matched to a record or categorised)")

#: What a deleted client, agency or bank account is called when its name is gone.
NAME_GONE = {
    acc.DEBTOR_CLIENT_PREFIX: _l("a client no longer in your contacts"),
    acc.DEBTOR_AGENCY_PREFIX: _l("an agency no longer in your contacts"),
    acc.BANK_PREFIX: _l("a bank account no longer in Minimin"),
}

BASIS_NOTES = {
    BOTH: "",
    ACCRUALS: _l("accruals basis only"),
    CASH: _l("cash basis only"),
}


# --------------------------------------------------------------------------- names in bulk


def _key_of(code: str, prefix: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(code[len(prefix) :])
    except ValueError:
        return None


def names_for(session: Session, user_id: uuid.UUID, codes: Iterable[str]) -> dict[str, str]:
    """The name of the client, agency or bank account behind each of *codes* that has one:
    one statement per kind of name, only the user's own rows."""
    from minimin.banking.models import BankAccount
    from minimin.contacts.models import Agency, Client

    wanted: dict[str, dict[uuid.UUID, str]] = {prefix: {} for prefix in NAMED}
    for code in set(codes):
        for prefix in NAMED:
            if code.startswith(prefix) and (key := _key_of(code, prefix)) is not None:
                wanted[prefix][key] = code
    names: dict[str, str] = {}
    models: tuple[tuple[str, Any], ...] = (
        (acc.DEBTOR_CLIENT_PREFIX, Client),
        (acc.DEBTOR_AGENCY_PREFIX, Agency),
        (acc.BANK_PREFIX, BankAccount),
    )
    for prefix, model in models:
        ids = wanted[prefix]
        if not ids:
            continue
        for row in session.scalars(
            sa.select(model).where(model.user_id == user_id, model.id.in_(list(ids)))
        ):
            names[ids[row.id]] = row.label if isinstance(row, BankAccount) else row.name
    return names


def _box_names() -> dict[int, Any]:
    from minimin.reports.ledger.expense_boxes import box_labels

    return box_labels()


# --------------------------------------------------------------------------- words for a code


def _box_of(code: str, prefix: str) -> int | None:
    try:
        return int(code[len(prefix) :])
    except ValueError:
        return None


def words_for(code: str, names: Mapping[str, str]) -> tuple[Words, dict[str, Any]]:
    """The :class:`Words` of account *code* and the values its strings take."""
    if code in FIXED:
        return FIXED[code], {}
    for prefix, words in NAMED.items():
        if code.startswith(prefix):
            return words, {"name": names.get(code) or NAME_GONE[prefix]}
    for prefix, words in (
        (acc.EXPENSE_BOX_PREFIX, ALLOWABLE),
        (acc.DISALLOWABLE_PREFIX, DISALLOWABLE),
    ):
        if code.startswith(prefix) and (box := _box_of(code, prefix)) is not None:
            shown = box if words is ALLOWABLE else box + 15
            return words, {"box": shown, "name": _box_names().get(box, code)}
    return UNKNOWN, {"name": code}


def account_label(code: str, names: Mapping[str, str]) -> str:
    """The name a sole trader understands for account *code*."""
    words, values = words_for(code, names)
    return str(words.label) % values if values else str(words.label)


def adds_on_debit(code: str) -> bool:
    """Whether a debit adds to the account: assets, expenses and drawings (money taken out is
    counted up as it goes); a credit adds to liabilities, income and capital."""
    return acc.kind_of(code) in (acc.ASSET, acc.EXPENSE) or code == acc.OWNER_DRAWINGS


def line_sentence(
    code: str, amount: int, currency: str, names: Mapping[str, str], source_kind: str = ""
) -> str:
    """One journal line of a document of *source_kind* in words: "£1,200.00 counted as sales
    (turnover)"."""
    words, values = words_for(code, names)
    adds = (amount > 0) == adds_on_debit(code)
    text = str(words.more if adds else words.less)
    if code == acc.SUSPENSE and source_kind == "bank_line":
        text = str(SUSPENSE_WAITING)
    return text % {**values, "amount": money(abs(amount), currency)}


# --------------------------------------------------------------------------- how it is counted

#: Each kind of source document in words (other engineers register the kinds themselves).
SOURCE_KINDS: dict[str, Any] = {
    "invoice": _l("Invoice"),
    "credit_note": _l("Credit note"),
    "payment": _l("Payment received"),
    "refund": _l("Refund paid back"),
    "remittance": _l("Agency remittance"),
    "agency_job": _l("Agency job done, not yet paid"),
    "expense": _l("Expense"),
    "mileage": _l("Mileage"),
    "bank_line": _l("Bank statement line"),
    "bank_match": _l("Bank line matched"),
}

IN_FORCE = "in_force"
REPLACED = "replaced"
REVERSAL = "reversal"


@dataclass(frozen=True)
class LineWords:
    """A journal line as the "How this is counted" block shows it."""

    code: str
    account: str
    sentence: str
    money_in: int  # the debit, in pence (0 when a credit)
    money_out: int  # the credit, as a positive amount
    currency: str
    basis_note: str


@dataclass(frozen=True)
class EntryWords:
    id: uuid.UUID
    kind: str
    kind_label: str
    version: int
    date: Any
    description: str
    currency: str
    state: str
    lines: tuple[LineWords, ...]


@dataclass(frozen=True)
class HowCounted:
    """The entries in force for a document (and the documents settling it), and the older
    versions that were reversed, in the order they were posted."""

    in_force: tuple[EntryWords, ...]
    older: tuple[EntryWords, ...]

    @property
    def empty(self) -> bool:
        return not self.in_force and not self.older


Sources = list[tuple[str, uuid.UUID]]


def _invoice_related(session: Session, user_id: uuid.UUID, invoice_id: uuid.UUID) -> Sources:
    from minimin.banking.models import MATCH_INVOICE, BankMatch
    from minimin.invoices.models import CreditNote, Payment, Refund

    related: Sources = []
    for kind, model in (("credit_note", CreditNote), ("payment", Payment), ("refund", Refund)):
        related += [
            (kind, row_id)
            for row_id in session.scalars(
                sa.select(model.id).where(model.user_id == user_id, model.invoice_id == invoice_id)
            )
        ]
    return related + _matches_of(session, user_id, BankMatch.kind == MATCH_INVOICE, invoice_id)


def _matches_of(
    session: Session, user_id: uuid.UUID, kind_is: Any, target_id: uuid.UUID
) -> Sources:
    from minimin.banking.models import BankMatch

    return [
        ("bank_match", row_id)
        for row_id in session.scalars(
            sa.select(BankMatch.id).where(
                BankMatch.user_id == user_id, kind_is, BankMatch.target_id == target_id
            )
        )
    ]


def _remittance_related(session: Session, user_id: uuid.UUID, remittance_id: uuid.UUID) -> Sources:
    from minimin.banking.models import MATCH_REMITTANCE, BankMatch
    from minimin.remittances.models import RemittanceLine

    jobs = session.scalars(
        sa.select(RemittanceLine.job_id).where(
            RemittanceLine.user_id == user_id,
            RemittanceLine.remittance_id == remittance_id,
            RemittanceLine.job_id.is_not(None),
        )
    )
    related: Sources = [("agency_job", job_id) for job_id in jobs if job_id is not None]
    return related + _matches_of(
        session, user_id, BankMatch.kind == MATCH_REMITTANCE, remittance_id
    )


def _expense_related(session: Session, user_id: uuid.UUID, expense_id: uuid.UUID) -> Sources:
    from minimin.banking.models import MATCH_EXPENSE, BankMatch

    return _matches_of(session, user_id, BankMatch.kind == MATCH_EXPENSE, expense_id)


def _bank_line_related(session: Session, user_id: uuid.UUID, txn_id: uuid.UUID) -> Sources:
    from minimin.banking.models import BankMatch

    matches = session.scalars(
        sa.select(BankMatch.id).where(
            BankMatch.user_id == user_id, BankMatch.transaction_id == txn_id
        )
    )
    # A match may be keyed by its own row or by the bank line it explains.
    return [("bank_match", txn_id), *(("bank_match", match_id) for match_id in matches)]


#: The documents whose entries a document's page shows with its own: an invoice's credit
#: notes, payments, refunds and bank matches; a remittance's jobs posted as done...
RELATED = {
    "invoice": _invoice_related,
    "remittance": _remittance_related,
    "expense": _expense_related,
    "bank_line": _bank_line_related,
}


def _entries_of(session: Session, user_id: uuid.UUID, sources: Sources) -> list[Any]:
    from sqlalchemy.orm import selectinload

    from minimin.ledger.models import JournalEntry

    by_kind: dict[str, set[uuid.UUID]] = {}
    for kind, source_id in sources:
        by_kind.setdefault(kind, set()).add(source_id)
    return list(
        session.scalars(
            sa.select(JournalEntry)
            .options(selectinload(JournalEntry.lines))
            .where(
                JournalEntry.user_id == user_id,
                sa.or_(
                    *(
                        sa.and_(JournalEntry.source_kind == kind, JournalEntry.source_id.in_(ids))
                        for kind, ids in by_kind.items()
                    )
                ),
            )
            .order_by(JournalEntry.date, JournalEntry.posted_at, JournalEntry.version)
        )
    )


def _entry_words(entry: Any, state: str, names: Mapping[str, str]) -> EntryWords:
    lines = tuple(
        LineWords(
            code=line.account,
            account=account_label(line.account, names),
            sentence=line_sentence(
                line.account, line.amount_pence, line.currency, names, entry.source_kind
            ),
            money_in=max(line.amount_pence, 0),
            money_out=max(-line.amount_pence, 0),
            currency=line.currency,
            basis_note=str(BASIS_NOTES.get(line.basis, "")),
        )
        for line in entry.lines
    )
    return EntryWords(
        id=entry.id,
        kind=entry.source_kind,
        kind_label=str(SOURCE_KINDS.get(entry.source_kind, entry.source_kind)),
        version=entry.version,
        date=entry.date,
        description=entry.description,
        currency=entry.currency,
        state=state,
        lines=lines,
    )


def how_counted(user_id: uuid.UUID, source_kind: str, source_id: uuid.UUID) -> HowCounted:
    """The journal entries behind document (*source_kind*, *source_id*) in words: those in
    force (the document's own, and for an invoice those of its credit notes, payments, refunds
    and bank matches), then the older versions and the reversals that cancelled them."""
    from minimin.extensions import db
    from minimin.ledger.queries import fresh

    session = fresh(db.session())
    sources: Sources = [(source_kind, source_id)]
    related = RELATED.get(source_kind)
    if related is not None:
        sources += related(session, user_id, source_id)
    entries = _entries_of(session, user_id, sources)
    names = names_for(session, user_id, (line.account for e in entries for line in e.lines))
    reversed_ids = {e.reverses_id for e in entries if e.reverses_id is not None}
    in_force: list[EntryWords] = []
    older: list[EntryWords] = []
    for entry in entries:
        if entry.reverses_id is not None:
            older.append(_entry_words(entry, REVERSAL, names))
        elif entry.id in reversed_ids:
            older.append(_entry_words(entry, REPLACED, names))
        else:
            in_force.append(_entry_words(entry, IN_FORCE, names))
    return HowCounted(tuple(in_force), tuple(older))
