"""The bank line and bank match posting rules (pure): figures worked by hand."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minimin.ledger import accounts
from minimin.ledger.entries import ACCRUALS, BOTH, CASH, Line, compact
from minimin.ledger.rules.banking import (
    NO_DOCUMENT,
    BankBatch,
    BankLine,
    BankMatchFacts,
    bank_line_posting,
    batch_posting,
    category_account,
    match_posting,
)

DAY = dt.date(2025, 6, 2)
ACCOUNT = uuid.uuid4()
AGENCY = uuid.uuid4()
CLIENT = uuid.uuid4()
JOB = uuid.uuid4()
BANK = accounts.bank(ACCOUNT)
EXPENSES = {"travel": "expense:box:20", "entertainment": "expense:disallowable:24"}


def line(amount: int, **extra: object) -> BankLine:
    return BankLine(
        id=uuid.uuid4(),
        bank_account_id=ACCOUNT,
        posted_on=DAY,
        amount_pence=amount,
        currency="GBP",
        description="TOP MODELS",
        **extra,  # type: ignore[arg-type]
    )


def amounts(posting: object) -> dict[tuple[str, str], int]:
    return {(ln.account, ln.basis): ln.amount for ln in compact(posting.lines)}  # type: ignore[attr-defined]


def test_an_uncategorised_line_sits_in_suspense() -> None:
    # £115.20 in: Dr bank 11,520, Cr suspense 11,520; £3.50 out the other way round.
    assert amounts(bank_line_posting(line(11_520), EXPENSES)) == {
        (BANK, BOTH): 11_520,
        (accounts.SUSPENSE, BOTH): -11_520,
    }
    assert amounts(bank_line_posting(line(-350), EXPENSES)) == {
        (BANK, BOTH): -350,
        (accounts.SUSPENSE, BOTH): 350,
    }


def test_agency_income_without_a_document_is_turnover_without_vat() -> None:
    # £960 categorised "agency payment": suspense cleared, Cr agency turnover 96,000 on both
    # bases, with the agency and no VAT split out.
    posting = bank_line_posting(line(96_000, category="agency_payment", agency_id=AGENCY), EXPENSES)
    assert amounts(posting) == {(BANK, BOTH): 96_000, (accounts.TURNOVER_AGENCY, BOTH): -96_000}
    turnover = next(ln for ln in posting.lines if ln.account == accounts.TURNOVER_AGENCY)
    assert (turnover.agency_id, turnover.vat_code) == (AGENCY, NO_DOCUMENT)


def test_income_goes_to_agency_or_direct_turnover_by_the_contact() -> None:
    by_agency = line(5_000, category="income", agency_id=AGENCY)
    by_client = line(5_000, category="income", client_id=CLIENT)
    assert (accounts.TURNOVER_AGENCY, BOTH) in amounts(bank_line_posting(by_agency, EXPENSES))
    direct = bank_line_posting(by_client, EXPENSES)
    assert amounts(direct)[(accounts.TURNOVER_DIRECT, BOTH)] == -5_000
    assert next(ln for ln in direct.lines if ln.amount == -5_000).client_id == CLIENT


@pytest.mark.parametrize(
    ("category", "account"),
    [
        ("transfer", accounts.TRANSFERS),
        ("personal", accounts.OWNER_DRAWINGS),
        ("loan", accounts.OWNER_CAPITAL),
        ("travel", "expense:box:20"),
        ("entertainment", "expense:disallowable:24"),
        ("refund", None),
        ("tax", None),
        (None, None),
    ],
)
def test_category_accounts(category: str | None, account: str | None) -> None:
    assert category_account(category, agency_id=None, expense_accounts=EXPENSES) == account


def test_money_out_to_an_expense_box_and_only_the_unmatched_part() -> None:
    # £45 out for travel, £30 of it matched to an expense: Dr box 20 1,500 (the £15 left),
    # suspense keeps the £30 the match clears: Dr 4,500 - 1,500 = 3,000.
    posting = bank_line_posting(line(-4_500, category="travel", matched_pence=3_000), EXPENSES)
    assert amounts(posting) == {
        (BANK, BOTH): -4_500,
        ("expense:box:20", BOTH): 1_500,
        (accounts.SUSPENSE, BOTH): 3_000,
    }


def test_a_fully_matched_categorised_line_posts_nothing_to_its_category() -> None:
    posting = bank_line_posting(line(20_000, category="income", matched_pence=20_000), EXPENSES)
    assert amounts(posting) == {(BANK, BOTH): 20_000, (accounts.SUSPENSE, BOTH): -20_000}


# --------------------------------------------------------------------------- statement batches

BATCH = uuid.uuid4()


def test_a_line_in_a_statement_batch_posts_only_what_explains_it() -> None:
    # Uncategorised: nothing of its own (its batch banks it and parks it in suspense).
    assert bank_line_posting(line(-350, batch_id=BATCH), EXPENSES).lines == ()
    # £45 out for travel, £30 matched: Cr suspense 1,500, Dr box 20 1,500; no bank line.
    posting = bank_line_posting(
        line(-4_500, category="travel", matched_pence=3_000, batch_id=BATCH), EXPENSES
    )
    assert amounts(posting) == {("expense:box:20", BOTH): 1_500, (accounts.SUSPENSE, BOTH): -1_500}
    # "Refund" says what a line is but not where it goes: it stays in suspense.
    assert bank_line_posting(line(2_000, category="refund", batch_id=BATCH), EXPENSES).lines == ()


def test_a_batch_banks_each_accounts_sum_against_suspense() -> None:
    other = uuid.uuid4()
    posting = batch_posting(BankBatch(DAY, "GBP", ((ACCOUNT, 110_300), (other, -1_200)), 4))
    assert amounts(posting) == {
        (BANK, BOTH): 110_300,
        (accounts.bank(other), BOTH): -1_200,
        (accounts.SUSPENSE, BOTH): -109_100,
    }
    assert (posting.date, posting.currency) == (DAY, "GBP")
    # Lines that cancel out post nothing.
    assert batch_posting(BankBatch(DAY, "GBP", ((ACCOUNT, 0),), 2)).lines == ()


CATEGORIES = st.sampled_from(
    [
        None,
        "travel",
        "entertainment",
        "income",
        "agency_payment",
        "transfer",
        "personal",
        "loan",
        "refund",
        "tax",
    ]
)


@given(
    st.lists(
        st.tuples(
            st.integers(-(10**9), 10**9).filter(bool),
            CATEGORIES,
            st.integers(0, 10**9),
            st.booleans(),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_a_batch_and_its_lines_post_what_the_lines_post_on_their_own(
    rows: list[tuple[int, str | None, int, bool]],
) -> None:
    """The same figures on every account whichever way the lines are counted: each in its
    own entry, or their bank side summed in the batch and the rest in their own entries."""
    lines = [
        line(
            amount,
            category=category,
            matched_pence=min(matched, abs(amount)),
            agency_id=AGENCY if by_agency else None,
        )
        for amount, category, matched, by_agency in rows
    ]
    alone: Counter[tuple[object, ...]] = Counter()
    for one in lines:
        for ln in bank_line_posting(one, EXPENSES).lines:
            alone[ln.key()] += ln.amount
    batched: Counter[tuple[object, ...]] = Counter()
    total = sum(one.amount_pence for one in lines)
    for ln in batch_posting(BankBatch(DAY, "GBP", ((ACCOUNT, total),), len(lines))).lines:
        batched[ln.key()] += ln.amount
    for one in lines:
        for ln in bank_line_posting(replace(one, batch_id=BATCH), EXPENSES).lines:
            batched[ln.key()] += ln.amount
    assert +batched == +alone and -batched == -alone


def match(amount: int, incoming: bool, clearing: str | None, **extra: object) -> BankMatchFacts:
    return BankMatchFacts(
        posted_on=DAY,
        amount_pence=amount,
        incoming=incoming,
        currency="GBP",
        description="Bank match",
        clearing=clearing,
        **extra,  # type: ignore[arg-type]
    )


def test_a_match_moves_suspense_to_the_clearing_account() -> None:
    # £1,152 deposit matched to a remittance: Dr suspense, Cr agency clearing.
    assert amounts(match_posting(match(115_200, True, accounts.AGENCY_CLEARING))) == {
        (accounts.SUSPENSE, BOTH): 115_200,
        (accounts.AGENCY_CLEARING, BOTH): -115_200,
    }
    # £45 out matched to an expense paid from the bank: Cr suspense, Dr undeposited.
    assert amounts(match_posting(match(4_500, False, accounts.UNDEPOSITED))) == {
        (accounts.SUSPENSE, BOTH): -4_500,
        (accounts.UNDEPOSITED, BOTH): 4_500,
    }


def test_an_agency_job_match_settles_the_debtor_on_accruals_and_is_income_on_cash() -> None:
    posting = match_posting(match(80_000, True, None, agency_id=AGENCY, job_id=JOB))
    assert set(posting.lines) == {
        Line(accounts.SUSPENSE, 80_000),
        Line(accounts.debtor(agency_id=AGENCY), -80_000, ACCRUALS, agency_id=AGENCY, job_id=JOB),
        Line(
            accounts.TURNOVER_AGENCY,
            -80_000,
            CASH,
            agency_id=AGENCY,
            job_id=JOB,
            vat_code=NO_DOCUMENT,
        ),
    }
