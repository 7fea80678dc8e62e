"""Reconciliation suggestions: which open invoice, expected agency payment or expense a bank
transaction probably is. Pure functions over plain records.

Candidates are found through indexes (by amount, by invoice-number key, by payer-name token),
never by comparing every transaction with every invoice: the work is proportional to the
number of transactions times the (small, capped) number of candidates each index returns.
Both the amount and the name indexes are capped: a user with thousands of open invoices of the
same amount gets, for a payment of that amount, only the :data:`AMOUNT_CANDIDATES` dated
nearest to the payment (an invoice named by the reference or by a distinctive payer name is
still found through its own index, however old).

Scores: exact amount 50, invoice number in the reference 45, payer name like the customer 20,
date in the expected window 10; a payment dated before the invoice was issued is not offered.
Each suggestion carries its reasons for the user to see.
"""

from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from flask_babel import lazy_gettext as _l

INVOICE = "invoice"
JOB = "job"
EXPENSE = "expense"
PAYMENT = "payment"
REMITTANCE = "remittance"

#: How long after issue a payment is expected (days).
INVOICE_WINDOW_DAYS = 180
#: Agency payments arrive some weeks after the job.
AGENCY_WINDOW_DAYS = 180
#: An expense and its bank line are within a week of each other.
EXPENSE_WINDOW_DAYS = 7
#: A payment recorded by hand reaches the bank within some weeks of the day it was recorded
#: (before it, or after it when the user records a payment once the statement shows it).
PAYMENT_WINDOW_DAYS = 30
#: An agency's remittance advice and its deposit are dated within some weeks of each other.
REMITTANCE_WINDOW_DAYS = 60
#: Candidates taken from one name token (a common name must not make the work quadratic).
NAME_CANDIDATES = 25
MAX_SUGGESTIONS = 5
#: Candidates taken by exact amount for one transaction: those dated nearest to it. Five times
#: the suggestions shown, so that the payer-name and date points still choose the five shown
#: from a wide field (two customers billing the same fee each keep their recent invoices in
#: it), and the same bound as for a name token: one transaction weighs at most some fifty
#: candidates plus the few its reference names, whatever the number of open invoices.
AMOUNT_CANDIDATES = 25
#: Invoices of one payer tried for a deposit that settles several (oldest first).
SPLIT_MAX = 12

SCORE_AMOUNT = 50
SCORE_NUMBER = 45
SCORE_NAME = 20
SCORE_DATE = 10
#: The age given to an undated invoice when ordering equal scores (after every dated one).
_UNDATED = 1_000_000

_STOP = frozenset(
    [
        "ltd",
        "limited",
        "plc",
        "llp",
        "the",
        "and",
        "co",
        "uk",
        "inc",
        "group",
        "agency",
        "management",
        "models",
        "mgmt",
        "bank",
        "payment",
        "transfer",
        "faster",
        "fp",
        "bgc",
        "bacs",
        "ref",
        "from",
        "to",
        "credit",
        "debit",
        "card",
    ]
)
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").casefold()


@lru_cache(maxsize=65536)
def name_tokens(text: str) -> frozenset[str]:
    """Significant words of a name (3+ letters, not "ltd", "payment"...)."""
    return frozenset(
        t for t in _TOKEN.findall(_fold(text)) if len(t) >= 3 and t not in _STOP and not t.isdigit()
    )


def number_key(number: str) -> str:
    """An invoice number without case, spaces or punctuation: "INV-0012" -> "inv0012"."""
    return "".join(_TOKEN.findall(_fold(number)))


def reference_keys(*texts: str) -> set[str]:
    """Keys that could be an invoice number in a reference: each token, and each pair of
    adjacent tokens joined ("INV 0012" -> "inv0012")."""
    keys: set[str] = set()
    for text in texts:
        tokens = _TOKEN.findall(_fold(text))
        keys.update(t for t in tokens if any(c.isdigit() for c in t))
        for a, b in itertools.pairwise(tokens):
            joined = a + b
            if any(c.isdigit() for c in joined):
                keys.add(joined)
        for a, b, c in zip(tokens, tokens[1:], tokens[2:], strict=False):
            joined = a + b + c
            if any(ch.isdigit() for ch in joined):
                keys.add(joined)
    return keys


@dataclass(frozen=True, slots=True)
class Txn:
    id: uuid.UUID
    posted_on: date
    amount_pence: int  # signed
    open_pence: int  # still to match, positive
    description: str = ""
    counterparty: str = ""
    reference: str = ""
    currency: str = "GBP"


@dataclass(frozen=True, slots=True)
class OpenInvoice:
    id: uuid.UUID
    number: str
    customer_name: str
    outstanding_pence: int
    issue_date: date | None
    currency: str = "GBP"


@dataclass(frozen=True, slots=True)
class ExpectedPayment:
    """An agency job whose net payment has not arrived."""

    job_id: uuid.UUID
    title: str
    agency_name: str
    net_pence: int
    job_date: date | None
    currency: str = "GBP"


@dataclass(frozen=True, slots=True)
class OpenExpense:
    id: uuid.UUID
    day: date
    amount_pence: int  # positive
    supplier: str = ""
    description: str = ""
    currency: str = "GBP"


@dataclass(frozen=True, slots=True)
class RecordedPayment:
    """A payment recorded on an invoice (by hand, by Stripe) that no bank line explains yet."""

    id: uuid.UUID
    invoice_id: uuid.UUID
    invoice_number: str
    customer_name: str
    amount_pence: int  # what no bank line explains yet
    paid_on: date
    currency: str = "GBP"


@dataclass(frozen=True, slots=True)
class PostedRemittance:
    """A posted agency remittance whose net payment no bank line shows yet."""

    id: uuid.UUID
    reference: str
    agency_name: str
    net_pence: int  # what no bank line explains yet (its agency clearing)
    day: date
    currency: str = "GBP"


@dataclass(frozen=True, slots=True)
class Target:
    kind: str
    id: uuid.UUID
    amount_pence: int
    label: str


@dataclass(slots=True)
class Suggestion:
    transaction_id: uuid.UUID
    targets: tuple[Target, ...]
    score: int
    reasons: list[Any] = field(default_factory=list)

    @property
    def is_split(self) -> bool:
        return len(self.targets) > 1

    @property
    def total_pence(self) -> int:
        return sum(t.amount_pence for t in self.targets)

    def key(self) -> str:
        return ",".join(f"{t.kind}:{t.id}:{t.amount_pence}" for t in self.targets)


class _Dated:
    """Items of one currency and amount, kept in date order (sorted on first use) so that the
    few dated nearest to a transaction are found by bisection, not by looking at them all."""

    __slots__ = ("days", "entries", "is_sorted")

    def __init__(self) -> None:
        self.entries: list[tuple[date, str, Any]] = []
        self.days: list[date] = []
        self.is_sorted = False

    def add(self, day: date | None, order: str, item: Any) -> None:
        # An undated item sorts first, so it comes last when walking back from a date.
        self.entries.append((day or date.min, order, item))
        self.is_sorted = False

    def _ready(self) -> None:
        if not self.is_sorted:
            self.entries.sort(key=lambda e: (e[0], e[1]))
            self.days = [e[0] for e in self.entries]
            self.is_sorted = True

    def on_or_before(self, day: date, limit: int, skip: Any) -> list[Any]:
        """Up to *limit* items dated on or before *day*, nearest first (undated ones last),
        passing over those *skip* refuses (the user's rejections)."""
        self._ready()
        found: list[Any] = []
        for i in range(bisect.bisect_right(self.days, day) - 1, -1, -1):
            item = self.entries[i][2]
            if skip(item):
                continue
            found.append(item)
            if len(found) == limit:
                break
        return found

    def around(self, day: date, window: int, limit: int, skip: Any) -> list[Any]:
        """Up to *limit* items dated within *window* days of *day*, nearest first."""
        self._ready()
        low = bisect.bisect_left(self.days, day - timedelta(days=window))
        high = bisect.bisect_right(self.days, day + timedelta(days=window))
        before = bisect.bisect_left(self.days, day, low, high) - 1
        after = before + 1
        found: list[Any] = []
        while len(found) < limit and (before >= low or after < high):
            take_after = before < low or (
                after < high and self.days[after] - day < day - self.days[before]
            )
            if take_after:
                item, after = self.entries[after][2], after + 1
            else:
                item, before = self.entries[before][2], before - 1
            if not skip(item):
                found.append(item)
        return found


class _Index:
    """Items by amount (in date order), by number key and by name token."""

    def __init__(self) -> None:
        self.by_amount: dict[tuple[str, int], _Dated] = defaultdict(_Dated)
        self.by_key: dict[str, list[Any]] = defaultdict(list)
        self.by_name: dict[str, list[Any]] = defaultdict(list)
        self.tokens: dict[uuid.UUID, frozenset[str]] = {}

    def add(
        self,
        item_id: uuid.UUID,
        item: Any,
        currency: str,
        amount: int,
        name: str,
        key: str = "",
        *,
        day: date | None = None,
        order: str = "",
    ) -> None:
        self.by_amount[(currency, amount)].add(day, order or str(item_id), item)
        if key:
            self.by_key[key].append(item)
        tokens = name_tokens(name)
        self.tokens[item_id] = tokens
        for token in tokens:
            self.by_name[token].append(item)

    def named(self, tokens: frozenset[str]) -> list[Any]:
        """Items sharing a *distinctive* name token with *tokens*: a token that many items
        share (a common word) says nothing about who paid, and would make the work quadratic."""
        found: dict[int, Any] = {}
        for token in tokens:
            items = self.by_name.get(token, ())
            if len(items) <= NAME_CANDIDATES:
                for item in items:
                    found[id(item)] = item
        return list(found.values())

    def amount_on_or_before(
        self, currency: str, amount: int, day: date, skip: Any, limit: int = AMOUNT_CANDIDATES
    ) -> list[Any]:
        """Items of exactly *amount* dated on or before *day*, the *limit* nearest to it."""
        bucket = self.by_amount.get((currency, amount))
        return bucket.on_or_before(day, limit, skip) if bucket else []

    def amount_around(
        self,
        currency: str,
        amount: int,
        day: date,
        window: int,
        skip: Any,
        limit: int = AMOUNT_CANDIDATES,
    ) -> list[Any]:
        """Items of exactly *amount* dated within *window* days of *day*, the *limit* nearest."""
        bucket = self.by_amount.get((currency, amount))
        return bucket.around(day, window, limit, skip) if bucket else []


def _rank(suggestions: list[Suggestion]) -> list[Suggestion]:
    # Stable: among equal scores the order each finder chose (nearest date first) is kept.
    suggestions.sort(key=lambda s: -s.score)
    return suggestions[:MAX_SUGGESTIONS]


def suggest(
    transactions: Iterable[Txn],
    invoices: Iterable[OpenInvoice] = (),
    expected: Iterable[ExpectedPayment] = (),
    expenses: Iterable[OpenExpense] = (),
    *,
    payments: Iterable[RecordedPayment] = (),
    remittances: Iterable[PostedRemittance] = (),
    rejected: set[tuple[uuid.UUID, str, uuid.UUID]] | frozenset[Any] = frozenset(),
) -> dict[uuid.UUID, list[Suggestion]]:
    """Ranked suggestions per transaction id (only transactions with at least one).

    A deposit that money already recorded explains (a payment recorded by hand, a posted
    remittance) is offered as that record first: accepting it links the record, where
    accepting an invoice would record the same money a second time.

    *rejected* holds (transaction id, kind, target id) the user turned down."""
    inv_index = _Index()
    for inv in invoices:
        if inv.outstanding_pence > 0:
            inv_index.add(
                inv.id,
                inv,
                inv.currency,
                inv.outstanding_pence,
                inv.customer_name,
                number_key(inv.number),
                day=inv.issue_date,
                order=f"{inv.number}\x00{inv.id}",
            )
    job_index = _Index()
    for job in expected:
        if job.net_pence > 0:
            job_index.add(
                job.job_id, job, job.currency, job.net_pence, job.agency_name, day=job.job_date
            )
    exp_index = _Index()
    for exp in expenses:
        if exp.amount_pence > 0:
            exp_index.add(
                exp.id,
                exp,
                exp.currency,
                exp.amount_pence,
                f"{exp.supplier} {exp.description}",
                day=exp.day,
            )

    recorded = _Recorded(payments, remittances)
    out: dict[uuid.UUID, list[Suggestion]] = {}
    for txn in transactions:
        if txn.open_pence <= 0:
            continue
        if txn.amount_pence > 0:
            found = recorded.suggest(txn, rejected)
            found.extend(
                _for_incoming(txn, inv_index, job_index, rejected, recorded.invoices_of(found))
            )
        else:
            found = _for_outgoing(txn, exp_index, rejected)
        if found:
            out[txn.id] = _rank(found)
    return out


@dataclass(frozen=True, slots=True)
class _ScoredInvoice:
    """An invoice a deposit may pay, with the score and the facts that earned it (the reasons
    are written from these only for the few suggestions shown)."""

    score: int
    age: int
    inv: OpenInvoice
    exact: bool
    numbered: bool
    named: bool
    timely: bool


def _invoice_candidates(
    txn: Txn, inv_index: _Index, rejected: Any, keys: set[str], text_tokens: frozenset[str]
) -> dict[uuid.UUID, OpenInvoice]:
    """Invoices worth scoring: by amount, by a number in the reference, by the payer's name."""
    candidates: dict[uuid.UUID, OpenInvoice] = {}
    # Only invoices issued by the payment date can be paid by it: the nearest of those.
    for inv in inv_index.amount_on_or_before(
        txn.currency,
        txn.open_pence,
        txn.posted_on,
        lambda inv: (txn.id, INVOICE, inv.id) in rejected,
    ):
        candidates[inv.id] = inv
    for key in keys:
        for inv in inv_index.by_key.get(key, ()):
            candidates[inv.id] = inv
    for inv in inv_index.named(text_tokens):
        candidates.setdefault(inv.id, inv)
    return candidates


def _score_invoice(
    txn: Txn,
    inv: OpenInvoice,
    inv_index: _Index,
    keys: set[str],
    text_tokens: frozenset[str],
) -> _ScoredInvoice | None:
    """Score *inv* for *txn*, or None when the only tie is the payer's name without a payment
    soon after issue: the amount, the invoice number, or name and date together must agree."""
    exact = inv.outstanding_pence == txn.open_pence
    numbered = number_key(inv.number) in keys
    named = bool(inv_index.tokens.get(inv.id, frozenset()) & text_tokens)
    timely = bool(
        inv.issue_date and txn.posted_on <= inv.issue_date + timedelta(days=INVOICE_WINDOW_DAYS)
    )
    if not (exact or numbered or (named and timely)):
        return None
    score = (
        SCORE_AMOUNT * exact + SCORE_NUMBER * numbered + SCORE_NAME * named + SCORE_DATE * timely
    )
    # Among equal scores the invoice issued nearest before the payment comes first.
    age = (txn.posted_on - inv.issue_date).days if inv.issue_date else _UNDATED
    return _ScoredInvoice(score, age, inv, exact, numbered, named, timely)


def _invoice_suggestion(txn: Txn, item: _ScoredInvoice) -> Suggestion:
    """The suggestion for one scored invoice, with the reasons shown to the user."""
    inv = item.inv
    reasons: list[Any] = []
    if item.exact:
        reasons.append(_l("the amount is exactly what is outstanding"))
    if item.numbered:
        reasons.append(_l("the reference contains the invoice number %(n)s", n=inv.number))
    if item.named:
        reasons.append(_l("the payer looks like %(name)s", name=inv.customer_name))
    if item.timely and inv.issue_date:
        days = (txn.posted_on - inv.issue_date).days
        reasons.append(_l("paid within %(d)d days of issue", d=days))
    amount = min(txn.open_pence, inv.outstanding_pence)
    if amount < inv.outstanding_pence:
        reasons.append(_l("a part payment"))
    label = f"{inv.number} · {inv.customer_name}"
    return Suggestion(txn.id, (Target(INVOICE, inv.id, amount, label),), item.score, reasons)


def _payer_split(txn: Txn, scored: list[_ScoredInvoice], rejected: Any) -> Suggestion | None:
    """One deposit that settles several invoices of the same payer, oldest first; only when no
    single invoice matches the amount exactly."""
    if any(item.exact for item in scored):
        return None
    payer = [item.inv for item in scored if item.named and not item.exact]
    if len(payer) > 1:
        return _split(txn, payer, rejected)
    return None


def _job_suggestions(
    txn: Txn, job_index: _Index, rejected: Any, text_tokens: frozenset[str]
) -> list[Suggestion]:
    """Expected agency payments of the deposit's amount, scored up by the agency's name and by
    a payment soon after the job."""
    suggestions: list[Suggestion] = []
    for job in job_index.amount_on_or_before(
        txn.currency,
        txn.open_pence,
        txn.posted_on,
        lambda job: (txn.id, JOB, job.job_id) in rejected,
    ):
        score, reasons = SCORE_AMOUNT, [_l("the amount is the expected net from the agency")]
        if job_index.tokens.get(job.job_id, frozenset()) & text_tokens:
            score += SCORE_NAME
            reasons.append(_l("the payer looks like %(name)s", name=job.agency_name))
        if job.job_date and txn.posted_on <= job.job_date + timedelta(days=AGENCY_WINDOW_DAYS):
            score += SCORE_DATE
            days = (txn.posted_on - job.job_date).days
            reasons.append(_l("paid within %(d)d days of the job", d=days))
        label = f"{job.title} · {job.agency_name}"
        suggestions.append(
            Suggestion(txn.id, (Target(JOB, job.job_id, txn.open_pence, label),), score, reasons)
        )
    return suggestions


def _for_incoming(
    txn: Txn,
    inv_index: _Index,
    job_index: _Index,
    rejected: Any,
    explained: frozenset[uuid.UUID] = frozenset(),
) -> list[Suggestion]:
    """Invoices and expected agency payments; not an invoice in *explained* (one whose
    recorded payment is offered for this deposit already)."""
    text_tokens = name_tokens(f"{txn.counterparty} {txn.description} {txn.reference}")
    keys = reference_keys(txn.reference, txn.description)
    candidates = _invoice_candidates(txn, inv_index, rejected, keys, text_tokens)
    # Score first; reasons are written only for the few suggestions that are shown.
    scored: list[_ScoredInvoice] = []
    for inv in candidates.values():
        if inv.currency != txn.currency or (txn.id, INVOICE, inv.id) in rejected:
            continue
        if inv.id in explained:
            continue
        if inv.issue_date and txn.posted_on < inv.issue_date:
            continue
        item = _score_invoice(txn, inv, inv_index, keys, text_tokens)
        if item is not None:
            scored.append(item)
    scored.sort(key=lambda item: (-item.score, item.age, item.inv.number))
    suggestions = [_invoice_suggestion(txn, item) for item in scored[:MAX_SUGGESTIONS]]
    split = _payer_split(txn, scored, rejected)
    if split is not None:
        suggestions.append(split)
    suggestions.extend(_job_suggestions(txn, job_index, rejected, text_tokens))
    return suggestions


def _split(txn: Txn, invoices: list[OpenInvoice], rejected: Any) -> Suggestion | None:
    usable = sorted(
        (
            i
            for i in invoices
            if i.currency == txn.currency
            and (txn.id, INVOICE, i.id) not in rejected
            and (i.issue_date is None or i.issue_date <= txn.posted_on)
        ),
        key=lambda i: (i.issue_date or date.min, i.number),
    )[:SPLIT_MAX]
    running, chosen = 0, []
    for inv in usable:
        running += inv.outstanding_pence
        chosen.append(inv)
        if running == txn.open_pence and len(chosen) > 1:
            numbers = ", ".join(i.number for i in chosen)
            return Suggestion(
                txn.id,
                tuple(
                    Target(INVOICE, i.id, i.outstanding_pence, f"{i.number} · {i.customer_name}")
                    for i in chosen
                ),
                SCORE_AMOUNT + SCORE_NAME,
                [_l("the amount settles %(numbers)s together", numbers=numbers)],
            )
        if running > txn.open_pence:
            return None
    return None


def _for_outgoing(txn: Txn, exp_index: _Index, rejected: Any) -> list[Suggestion]:
    suggestions = []
    tokens = name_tokens(f"{txn.counterparty} {txn.description}")
    for exp in exp_index.amount_around(
        txn.currency,
        txn.open_pence,
        txn.posted_on,
        EXPENSE_WINDOW_DAYS,
        lambda exp: (txn.id, EXPENSE, exp.id) in rejected,
    ):
        gap = abs((txn.posted_on - exp.day).days)
        score, reasons = (
            SCORE_AMOUNT + SCORE_DATE,
            [
                _l("the same amount"),
                _l("%(d)d days apart", d=gap),
            ],
        )
        if name_tokens(f"{exp.supplier} {exp.description}") & tokens:
            score += SCORE_NAME
            reasons.append(
                _l("the payee looks like %(name)s", name=exp.supplier or exp.description)
            )
        label = f"{exp.day.isoformat()} · {exp.supplier or exp.description}"
        suggestions.append(
            Suggestion(txn.id, (Target(EXPENSE, exp.id, txn.open_pence, label),), score, reasons)
        )
    return suggestions


class _Recorded:
    """Money already recorded that a deposit may be: payments recorded on invoices and posted
    remittances, by amount (the nearest in date), by invoice number or remittance reference
    in the bank's text, and by payer name."""

    def __init__(
        self, payments: Iterable[RecordedPayment], remittances: Iterable[PostedRemittance]
    ) -> None:
        self.payments = _Index()
        self.invoice_of: dict[uuid.UUID, uuid.UUID] = {}
        for pay in payments:
            if pay.amount_pence > 0:
                key = number_key(pay.invoice_number)
                self.payments.add(
                    pay.id,
                    pay,
                    pay.currency,
                    pay.amount_pence,
                    pay.customer_name,
                    key,
                    day=pay.paid_on,
                )
                self.invoice_of[pay.id] = pay.invoice_id
        self.remittances = _Index()
        for rem in remittances:
            if rem.net_pence > 0:
                key = number_key(rem.reference)
                self.remittances.add(
                    rem.id, rem, rem.currency, rem.net_pence, rem.agency_name, key, day=rem.day
                )

    def invoices_of(self, found: Iterable[Suggestion]) -> frozenset[uuid.UUID]:
        """The invoices whose recorded payments are among *found*."""
        return frozenset(
            self.invoice_of[t.id] for s in found for t in s.targets if t.kind == PAYMENT
        )

    def suggest(self, txn: Txn, rejected: Any) -> list[Suggestion]:
        tokens = name_tokens(f"{txn.counterparty} {txn.description} {txn.reference}")
        keys = reference_keys(txn.reference, txn.description)
        return [
            *self._payments(txn, tokens, keys, rejected),
            *self._remittances(txn, tokens, keys, rejected),
        ]

    def _payments(
        self, txn: Txn, tokens: frozenset[str], keys: set[str], rejected: Any
    ) -> list[Suggestion]:
        found = []
        for pay in self.payments.amount_around(
            txn.currency,
            txn.open_pence,
            txn.posted_on,
            PAYMENT_WINDOW_DAYS,
            lambda pay: (txn.id, PAYMENT, pay.id) in rejected,
        ):
            score = SCORE_AMOUNT + SCORE_DATE
            reasons: list[Any] = [
                _l("a payment of this amount is recorded on %(n)s", n=pay.invoice_number),
                _l("%(d)d days apart", d=abs((txn.posted_on - pay.paid_on).days)),
            ]
            if number_key(pay.invoice_number) in keys:
                score += SCORE_NUMBER
                reasons.append(
                    _l("the reference contains the invoice number %(n)s", n=pay.invoice_number)
                )
            if self.payments.tokens.get(pay.id, frozenset()) & tokens:
                score += SCORE_NAME
                reasons.append(_l("the payer looks like %(name)s", name=pay.customer_name))
            label = _l(
                "the %(amount)s payment you recorded on %(date)s",
                amount=_money(pay.amount_pence, pay.currency),
                date=pay.paid_on.strftime("%d/%m/%Y"),
            )
            target = Target(
                PAYMENT,
                pay.id,
                txn.open_pence,
                f"{label} · {pay.invoice_number} · {pay.customer_name}",
            )
            found.append(Suggestion(txn.id, (target,), score, reasons))
        return found

    def _remittances(
        self, txn: Txn, tokens: frozenset[str], keys: set[str], rejected: Any
    ) -> list[Suggestion]:
        def skip(rem: PostedRemittance) -> bool:
            return (txn.id, REMITTANCE, rem.id) in rejected

        candidates: dict[uuid.UUID, PostedRemittance] = {
            rem.id: rem
            for rem in self.remittances.amount_around(
                txn.currency, txn.open_pence, txn.posted_on, REMITTANCE_WINDOW_DAYS, skip
            )
        }
        for key in keys:
            for rem in self.remittances.by_key.get(key, ()):
                if rem.currency == txn.currency and not skip(rem):
                    candidates.setdefault(rem.id, rem)
        found = []
        for rem in candidates.values():
            score, reasons = 0, []
            if rem.net_pence == txn.open_pence:
                score += SCORE_AMOUNT
                reasons.append(_l("the amount is the net the remittance says was paid"))
            if rem.reference and number_key(rem.reference) in keys:
                score += SCORE_NUMBER
                reasons.append(_l("the bank's text contains the reference %(r)s", r=rem.reference))
            if self.remittances.tokens.get(rem.id, frozenset()) & tokens:
                score += SCORE_NAME
                reasons.append(_l("the payer looks like %(name)s", name=rem.agency_name))
            if abs((txn.posted_on - rem.day).days) <= REMITTANCE_WINDOW_DAYS:
                score += SCORE_DATE
                reasons.append(_l("%(d)d days apart", d=abs((txn.posted_on - rem.day).days)))
            label = _l("the remittance %(ref)s", ref=rem.reference or rem.day.strftime("%d/%m/%Y"))
            amount = min(txn.open_pence, rem.net_pence)
            target = Target(REMITTANCE, rem.id, amount, f"{label} · {rem.agency_name}")
            found.append(Suggestion(txn.id, (target,), score, reasons))
        return found


def _money(pence: int, currency: str) -> str:
    from minimin.core.money import Money, format_money

    return format_money(Money.from_pence(pence, currency))
