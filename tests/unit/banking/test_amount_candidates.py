"""Candidates found by exact amount are capped: a payment of a fee the user has thousands of open
invoices for is compared with the AMOUNT_CANDIDATES invoices issued nearest before it, not with
every one, and the right invoice still ranks first.

The work is counted, not timed: every invoice counts the reads of its own fields, so the
invoices the matcher looked at for one payment are those read more than building the indexes
reads them."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date, timedelta
from typing import ClassVar

from minimin.banking import reconcile

FEE = 4_000  # £40: the same fee on every invoice
PAID_ON = date(2025, 1, 10)
FIRST_ISSUE = date(2023, 1, 1)
#: Field reads one candidate may cost (walking to it, scoring it, writing its reasons): a
#: generous constant, far below what comparing every same-fee invoice would read.
READS_PER_CANDIDATE = 20


class _Watched(reconcile.OpenInvoice):
    """An open invoice that counts the reads of its fields, per invoice."""

    __slots__ = ()
    reads: ClassVar[Counter[int]] = Counter()

    def __getattribute__(self, name: str) -> object:
        _Watched.reads[id(self)] += 1
        return object.__getattribute__(self, name)


def _same_fee_invoices(n: int) -> list[_Watched]:
    """*n* invoices of the same fee to *n* customers whose names share only a common word, one
    issued each day from 2023 (so some after the payment date, when *n* is large)."""
    return [
        _Watched(
            uuid.uuid4(),
            f"INV-{i:05d}",
            f"Customer {i}",
            FEE,
            FIRST_ISSUE + timedelta(days=i % 1_000),
        )
        for i in range(n)
    ]


def _payment(**fields: str) -> reconcile.Txn:
    return reconcile.Txn(uuid.uuid4(), PAID_ON, FEE, FEE, **fields)


def _examined(
    invoices: list[_Watched], txn: reconcile.Txn, rejected: frozenset = frozenset()
) -> tuple[set[int], int, list[reconcile.Suggestion]]:
    """The invoices the matcher looked at for *txn* (beyond indexing them), the field reads
    that took, and the suggestions."""
    _Watched.reads.clear()
    reconcile.suggest([], invoices)  # indexing alone
    indexing = Counter(_Watched.reads)
    _Watched.reads.clear()
    found = reconcile.suggest([txn], invoices, rejected=rejected).get(txn.id, [])
    extra = {key: reads - indexing[key] for key, reads in _Watched.reads.items()}
    return {key for key, more in extra.items() if more > 0}, sum(extra.values()), found


def _nearest_before(invoices: list[_Watched], count: int) -> list[_Watched]:
    issued = [i for i in invoices if object.__getattribute__(i, "issue_date") <= PAID_ON]
    issued.sort(key=lambda i: object.__getattribute__(i, "issue_date"), reverse=True)
    return issued[:count]


def _first_id(found: list[reconcile.Suggestion]) -> uuid.UUID:
    return found[0].targets[0].id


def test_amount_candidates_are_capped_at_n_and_ten_n() -> None:
    small, large = _same_fee_invoices(500), _same_fee_invoices(5_000)
    assert len(small) > 10 * reconcile.AMOUNT_CANDIDATES  # the cap really bites
    txn = _payment(counterparty="FASTER PAYMENT")
    seen_small, work_small, found_small = _examined(small, txn)
    seen_large, work_large, found_large = _examined(large, txn)
    # Ten times the same-fee invoices: the same number of candidates and the same work.
    assert len(seen_small) == len(seen_large) == reconcile.AMOUNT_CANDIDATES
    # (The work differs only by the reasons written for the five shown.)
    assert work_large <= READS_PER_CANDIDATE * reconcile.AMOUNT_CANDIDATES
    assert work_large < 2 * work_small
    # The ones kept are those issued nearest before the payment, never one issued after it.
    assert seen_large == {id(i) for i in _nearest_before(large, reconcile.AMOUNT_CANDIDATES)}
    # The nearest ranks first; the others follow by date.
    for invoices, found in ((small, found_small), (large, found_large)):
        nearest = _nearest_before(invoices, reconcile.MAX_SUGGESTIONS)
        assert [s.targets[0].id for s in found] == [i.id for i in nearest]


def test_the_same_fee_paid_many_times_costs_the_same_per_payment() -> None:
    """Comparisons for a page of payments grow with the payments, not with the invoices."""

    def work(invoices: list[_Watched], payments: int) -> int:
        txns = [_payment() for _ in range(payments)]
        _Watched.reads.clear()
        reconcile.suggest(txns, invoices)
        return sum(_Watched.reads.values())

    for n in (500, 5_000):
        invoices = _same_fee_invoices(n)
        per_payment = (work(invoices, 40) - work(invoices, 20)) / 20
        # Each payment reads a bounded handful of fields of each of its capped candidates.
        assert per_payment <= READS_PER_CANDIDATE * reconcile.AMOUNT_CANDIDATES, (n, per_payment)


def test_reference_in_the_description_ranks_first_however_old() -> None:
    invoices = _same_fee_invoices(5_000)
    oldest = invoices[0]  # issued two years before the payment: far outside the nearest
    assert oldest not in _nearest_before(invoices, reconcile.AMOUNT_CANDIDATES)
    txn = _payment(description="FP CUSTOMER 0 INV-00000 THANK YOU")
    seen, _work, found = _examined(invoices, txn)
    assert _first_id(found) == oldest.id
    assert "the reference contains the invoice number INV-00000" in [
        str(r) for r in found[0].reasons
    ]
    assert len(seen) <= reconcile.AMOUNT_CANDIDATES + 1


def test_a_distinctive_payer_name_ranks_first_however_old() -> None:
    invoices = _same_fee_invoices(5_000)
    zeb = _Watched(uuid.uuid4(), "INV-Z1", "Zebedee Photography", FEE, date(2023, 6, 1))
    txn = _payment(counterparty="ZEBEDEE PHOTOGRAPHY LTD")
    _seen, _work, found = _examined([*invoices, zeb], txn)
    assert _first_id(found) == zeb.id
    assert "the payer looks like Zebedee Photography" in [str(r) for r in found[0].reasons]


def test_rejected_invoices_are_passed_over_and_the_cap_still_fills() -> None:
    invoices = _same_fee_invoices(2_000)
    nearest = _nearest_before(invoices, reconcile.AMOUNT_CANDIDATES + 3)
    txn = _payment()
    rejected = frozenset((txn.id, reconcile.INVOICE, i.id) for i in nearest[:3])
    seen, _work, found = _examined(invoices, txn, rejected)
    assert _first_id(found) == nearest[3].id
    assert not {s.targets[0].id for s in found} & {i.id for i in nearest[:3]}
    # The three rejected are looked at (to pass over them), then the cap is filled.
    assert seen == {id(i) for i in nearest}


def test_payments_of_an_agency_net_and_expenses_are_capped_and_nearest_first() -> None:
    jobs = [
        reconcile.ExpectedPayment(
            uuid.uuid4(), f"Shoot {i}", "Top Models", FEE, PAID_ON - timedelta(days=i)
        )
        for i in range(1, 400)
    ]
    found = reconcile.suggest([_payment()], expected=jobs)
    (suggested,) = found.values()
    assert [s.targets[0].id for s in suggested] == [j.job_id for j in jobs[:5]]

    expenses = [
        reconcile.OpenExpense(
            uuid.uuid4(), PAID_ON + timedelta(days=(i % 15) - 7), FEE, f"Supplier {i}"
        )
        for i in range(600)
    ]
    out = reconcile.Txn(uuid.uuid4(), PAID_ON, -FEE, FEE)
    (suggested,) = reconcile.suggest([out], expenses=expenses).values()
    assert {s.targets[0].id for s in suggested} <= {e.id for e in expenses if e.day == PAID_ON}
    assert len(suggested) == reconcile.MAX_SUGGESTIONS
