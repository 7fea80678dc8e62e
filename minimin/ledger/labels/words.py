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
    acc.DEBTOR_UNNAMED: Words(
        _l("Owed to you by customers named only on their invoices"),
        _l("%(amount)s owed to you by a customer named only on the invoice"),
        _l("%(amount)s less owed to you by a customer named only on the invoice"),
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

#: A bank line's own entry (or its statement's entry for the day) parks what it has not yet
#: explained in suspense, whichever way the money went; every other entry (a match, a category
#: on a line its statement's entry counts) takes it out as explained.
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
    if code == acc.SUSPENSE and source_kind in ("bank_line", "bank_batch"):
        text = str(SUSPENSE_WAITING)
    return text % {**values, "amount": money(abs(amount), currency)}
