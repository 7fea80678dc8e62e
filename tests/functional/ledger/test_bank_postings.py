"""Bank lines, categories, matches and their undoing in the journal, through the real banking
services and pages: every imported line posts its bank account against suspense once; a
category or a match explains it; accepting a match never counts income or a payment twice, and
undoing one puts everything back. Figures are worked by hand in the comments; after every step
``minimin.ledger.check`` finds the books whole."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from minimin.banking import services as banking
from minimin.banking.models import (
    MATCH_INVOICE,
    MATCH_PAYMENT,
    BankAccount,
    BankMatch,
    BankTransaction,
    ImportJob,
)
from minimin.invoices import services as invoices
from minimin.invoices.models import Invoice, Payment
from minimin.ledger import accounts, posting, queries
from minimin.ledger.check import check

ISSUED_ON = dt.date(2025, 5, 2)
PAID_ON = dt.date(2025, 5, 12)
BANKED_ON = dt.date(2025, 5, 14)
YEAR = {"start": dt.date(2025, 4, 6), "end": dt.date(2026, 4, 5)}
BASES = ("accruals", "cash")


@pytest.fixture
def owner(db: Any, make_user: Any) -> Any:
    """A business not registered for VAT, with a client, an agency and a bank account."""
    from minimin.business.models import BusinessProfile
    from minimin.contacts.models import Agency, Client

    user = make_user(email=f"bank-{uuid.uuid4().hex[:8]}@example.com", full_name="Alex Model")
    db.session.add(
        BusinessProfile(
            user_id=user.id,
            business_name="Alex Model",
            address_line1="1 High Street",
            town="Bristol",
            postcode="BS1 1AA",
            invoice_email="alex@example.com",
            vat_registered=False,
            onboarding_step="done",
        )
    )
    client = Client(user_id=user.id, name="Acme Studios Ltd", kind="company")
    agency = Agency(user_id=user.id, name="Top Models Agency", email="pay@top.example")
    db.session.add_all([client, agency])
    db.session.flush()
    account = banking.create_account(
        user.id, banking.BankAccountInput(name="Business current", last_four="1234")
    )
    db.session.commit()
    user.client, user.agency, user.account_id = client, agency, account.id
    return user


@pytest.fixture
def signed_in(client: Any, owner: Any, login: Any) -> Any:
    login(client, owner)
    return client


def total(db: Any, owner: Any, basis: str = "accruals", **where: Any) -> int:
    return queries.total(db.session, owner.id, basis=basis, **{**YEAR, **where})


def turnover(db: Any, owner: Any, basis: str) -> int:
    return -total(db, owner, basis, prefixes=[accounts.TURNOVER_PREFIX])


def books_whole(db: Any, owner: Any) -> None:
    report = check(db.session, [owner.id])
    assert report.problems == []


def txn(db: Any, owner: Any, pence: int, *, day: dt.date = BANKED_ON, **fields: Any) -> Any:
    """A statement line added through the ORM (as a test fixture; imports add in bulk)."""
    row = BankTransaction(
        user_id=owner.id,
        bank_account_id=owner.account_id,
        posted_on=day,
        amount_pence=pence,
        currency="GBP",
        fingerprint=uuid.uuid4().hex,
        description=fields.pop("description", ""),
        **fields,
    )
    db.session.add(row)
    db.session.commit()
    return row


def invoice(db: Any, owner: Any, pence: int) -> Invoice:
    """An invoice to the client for *pence* (no VAT: the business is not registered)."""
    draft = invoices.create_draft(
        owner.id,
        invoices.DraftInput(
            client_id=owner.client.id,
            issue_date=ISSUED_ON,
            lines=[invoices.LineInput("Shoot day", Decimal(1), pence, "none", None)],
        ),
    )
    invoices.issue(draft, today=ISSUED_ON)
    db.session.commit()
    return draft


def entry_count(db: Any, kind: str) -> int:
    return len(
        db.session.scalars(
            sa.select(posting.JournalEntry.id).where(posting.JournalEntry.source_kind == kind)
        ).all()
    )


def suggestion_keys(html: str) -> list[str]:
    return re.findall(
        r'/accept">\s*<input[^>]*>\s*<input type="hidden" name="key" value="([^"]+)"', html
    )


# --------------------------------------------------------------------------- imported lines


def test_an_imported_statement_posts_each_line_once_in_bulk(db: Any, owner: Any) -> None:
    from minimin.banking.models import CategoryRule
    from minimin.core import db as core_db

    # A rule makes the train fare travel (SA103F box 20) as the line goes in.
    db.session.add(
        CategoryRule(user_id=owner.id, position=1, pattern="TRAINLINE", category="travel")
    )
    db.session.commit()
    statement = (
        b"Date,Description,Amount\n"
        b"14/05/2025,TOP MODELS AGENCY RA-77,1152.00\n"
        b"15/05/2025,TRAINLINE LONDON,-45.50\n"
        b"16/05/2025,PRET A MANGER,-3.50\n"
    )
    account = db.session.get(BankAccount, owner.account_id)
    job, inspection = banking.start_import(account, statement, "statement.csv")
    banking.confirm_mapping(job, inspection.options())
    core_db.commit(db.session)  # runs the import (eager in testing)
    db.session.expire_all()
    assert db.session.get(ImportJob, job.id).added == 3

    bank = accounts.bank(owner.account_id)
    for basis in BASES:
        # 1,152.00 - 45.50 - 3.50 = 1,103.00 in the bank.
        assert total(db, owner, basis, codes=[bank]) == 110300
        # The deposit and the coffee are not explained: Cr 115,200, Dr 350.
        assert total(db, owner, basis, codes=[accounts.SUSPENSE]) == -114850
        assert total(db, owner, basis, codes=[accounts.expense_box(20)]) == 4550
    # Each day's bank side is counted in one statement entry (three days); only the train
    # fare, which its category explains, has an entry of its own.
    assert entry_count(db, "bank_batch") == 3
    assert entry_count(db, "bank_line") == 1
    books_whole(db, owner)

    # Importing the same statement again adds (and posts) nothing.
    job, inspection = banking.start_import(account, statement, "statement.csv")
    banking.confirm_mapping(job, inspection.options())
    core_db.commit(db.session)
    assert entry_count(db, "bank_batch") == 3
    assert entry_count(db, "bank_line") == 1
    books_whole(db, owner)

    # Deleting the account reverses its lines: nothing is left in the bank or the box.
    banking.delete_account(db.session.get(BankAccount, owner.account_id))
    db.session.commit()
    for basis in BASES:
        assert total(db, owner, basis, codes=[bank, accounts.SUSPENSE]) == 0
        assert total(db, owner, basis, codes=[accounts.expense_box(20)]) == 0
    books_whole(db, owner)


# --------------------------------------------------------------------------- categories


def test_agency_income_without_a_document_counts_as_turnover_and_the_page_says_so(
    db: Any, owner: Any, signed_in: Any
) -> None:
    """Defect 4: a deposit categorised "Income: agency payment" with nothing behind it."""
    line = txn(db, owner, 96000, description="TOP MODELS AGENCY")
    for basis in BASES:
        assert turnover(db, owner, basis) == 0

    banking.set_contacts(line, banking.ContactInput(agency_id=owner.agency.id))
    banking.set_category(line, banking.CategoryInput(category="agency_payment"))
    db.session.commit()
    for basis in BASES:
        # £960 of agency turnover on the deposit's date, no VAT; suspense cleared.
        assert turnover(db, owner, basis) == 96000
        assert (
            -total(
                db,
                owner,
                basis,
                codes=[accounts.TURNOVER_AGENCY],
                start=BANKED_ON,
                end=BANKED_ON,
            )
            == 96000
        )
        assert total(db, owner, basis, codes=[accounts.SUSPENSE]) == 0
        assert total(db, owner, basis, codes=[accounts.OUTPUT_VAT]) == 0
    books_whole(db, owner)

    page = signed_in.get(f"/banking/transactions/{line.id}").get_data(as_text=True)
    assert "This money is counted as income without a document: £960.00" in page
    assert "post the agency" in page and "remittance instead" in page

    # Recategorised as the owner's own money: the turnover goes, capital takes it.
    banking.set_category(line, banking.CategoryInput(category="loan"))
    db.session.commit()
    for basis in BASES:
        assert turnover(db, owner, basis) == 0
        assert total(db, owner, basis, codes=[accounts.OWNER_CAPITAL]) == -96000
    page = signed_in.get(f"/banking/transactions/{line.id}").get_data(as_text=True)
    assert "counted as income without a document" not in page
    books_whole(db, owner)


def test_money_out_categories_and_uncategorising(db: Any, owner: Any) -> None:
    line = txn(db, owner, -2500, description="TRAINLINE")
    banking.set_category(line, banking.CategoryInput(category="travel"))
    db.session.commit()
    assert total(db, owner, codes=[accounts.expense_box(20)]) == 2500
    banking.set_category(line, banking.CategoryInput(category="personal"))
    db.session.commit()
    assert total(db, owner, codes=[accounts.expense_box(20)]) == 0
    assert total(db, owner, codes=[accounts.OWNER_DRAWINGS]) == 2500
    banking.set_category(line, banking.CategoryInput(category=None))
    db.session.commit()
    assert total(db, owner, codes=[accounts.OWNER_DRAWINGS]) == 0
    assert total(db, owner, codes=[accounts.SUSPENSE]) == 2500
    books_whole(db, owner)


# --------------------------------------------------------------------------- matches


def test_a_deposit_for_a_recorded_payment_links_it_instead_of_paying_again(
    db: Any, owner: Any, signed_in: Any
) -> None:
    """Defect 3: an invoice of £450, £200 recorded by hand, then the £200 deposit."""
    inv = invoice(db, owner, 45000)
    recorded = invoices.record_payment(
        inv,
        invoices.PaymentInput(amount_pence=20000, paid_on=PAID_ON, method="bank_transfer"),
    )
    db.session.commit()
    deposit = txn(db, owner, 20000, description="ACME STUDIOS")

    page = signed_in.get(f"/banking/transactions/{deposit.id}").get_data(as_text=True)
    assert "the £200.00 payment you recorded on 12/05/2025" in page
    [key, *_] = suggestion_keys(page)
    assert key == f"{MATCH_PAYMENT}:{recorded.id}:20000"
    response = signed_in.submit(f"/banking/transactions/{deposit.id}/accept", {"key": key})
    assert response.status_code == 302

    db.session.expire_all()
    inv = db.session.get(Invoice, inv.id)
    # Still one payment of £200: £250 outstanding, not £400 paid.
    assert (inv.paid_pence, len(inv.payments), inv.status) == (20000, 1, "part_paid")
    [match] = db.session.scalars(sa.select(BankMatch)).all()
    assert (match.kind, match.target_id, match.payment_id) == (MATCH_PAYMENT, recorded.id, None)
    for basis in BASES:
        # Cash turnover is the £200 received once; accruals the £450 invoiced.
        assert turnover(db, owner, basis) == {"cash": 20000, "accruals": 45000}[basis]
        # The payment's undeposited £200 is now in the bank: nothing left on either.
        assert total(db, owner, basis, codes=[accounts.UNDEPOSITED, accounts.SUSPENSE]) == 0
    books_whole(db, owner)
    # A second £200 deposit is not offered the payment the first one explains.
    other = txn(db, owner, 20000, day=dt.date(2025, 5, 15), description="ACME STUDIOS")
    page = signed_in.get(f"/banking/transactions/{other.id}").get_data(as_text=True)
    assert "payment you recorded" not in page

    # Undo: the recorded payment stays, the deposit is unexplained again.
    signed_in.submit(
        f"/banking/transactions/{deposit.id}/matches/{match.id}/undo",
        {},
        form_page=f"/banking/transactions/{deposit.id}",
    )
    db.session.expire_all()
    inv = db.session.get(Invoice, inv.id)
    assert (inv.paid_pence, len(inv.payments)) == (20000, 1)
    line = db.session.get(BankTransaction, deposit.id)
    assert (line.reconciliation, line.reconciled_pence) == ("unreconciled", 0)
    assert total(db, owner, codes=[accounts.UNDEPOSITED]) == 20000
    # Both £200 deposits unexplained now.
    assert total(db, owner, codes=[accounts.SUSPENSE]) == -40000
    assert turnover(db, owner, "cash") == 20000
    books_whole(db, owner)

    # Choosing the invoice itself for the same £200 links the same payment (no second one).
    [made] = banking.accept(line, [banking.Allocation(MATCH_INVOICE, inv.id, 20000)])
    db.session.commit()
    assert (made.kind, made.target_id) == (MATCH_PAYMENT, recorded.id)
    assert len(db.session.get(Invoice, inv.id).payments) == 1
    books_whole(db, owner)


def test_a_deposit_with_no_payment_behind_it_records_one_and_undo_removes_it(
    db: Any, owner: Any, signed_in: Any
) -> None:
    inv = invoice(db, owner, 45000)
    deposit = txn(db, owner, 45000, description="ACME STUDIOS", reference=inv.number)
    page = signed_in.get(f"/banking/transactions/{deposit.id}").get_data(as_text=True)
    key = suggestion_keys(page)[0]
    assert key == f"{MATCH_INVOICE}:{inv.id}:45000"
    signed_in.submit(f"/banking/transactions/{deposit.id}/accept", {"key": key})

    db.session.expire_all()
    inv = db.session.get(Invoice, inv.id)
    assert (inv.status, inv.paid_pence, len(inv.payments)) == ("paid", 45000, 1)
    for basis in BASES:
        assert turnover(db, owner, basis) == 45000
        assert total(db, owner, basis, codes=[accounts.UNDEPOSITED, accounts.SUSPENSE]) == 0
    books_whole(db, owner)

    [match] = db.session.scalars(sa.select(BankMatch)).all()
    signed_in.submit(
        f"/banking/transactions/{deposit.id}/matches/{match.id}/undo",
        {},
        form_page=f"/banking/transactions/{deposit.id}",
    )
    db.session.expire_all()
    inv = db.session.get(Invoice, inv.id)
    # Exactly as before the match: no payment, the invoice open, the deposit unexplained.
    assert (inv.status, inv.paid_pence, len(inv.payments)) == ("issued", 0, 0)
    assert db.session.scalars(sa.select(Payment)).all() == []
    assert turnover(db, owner, "cash") == 0
    assert turnover(db, owner, "accruals") == 45000
    assert total(db, owner, codes=[accounts.SUSPENSE]) == -45000
    assert total(db, owner, codes=[accounts.UNDEPOSITED]) == 0
    line = db.session.get(BankTransaction, deposit.id)
    assert (line.reconciliation, line.reconciled_pence) == ("unreconciled", 0)
    books_whole(db, owner)


def test_an_outgoing_line_made_into_an_expense(db: Any, owner: Any) -> None:
    line = txn(db, owner, -4550, description="TRAINLINE")
    banking.expense_from_transaction(line, banking.ExpenseFromLineInput(category="travel"))
    db.session.commit()
    for basis in BASES:
        # The expense's £45.50 in box 20 once (not again through the line's category).
        assert total(db, owner, basis, codes=[accounts.expense_box(20)]) == 4550
        assert total(db, owner, basis, codes=[accounts.UNDEPOSITED, accounts.SUSPENSE]) == 0
    books_whole(db, owner)


# --------------------------------------------------------------------------- remittances


@pytest.fixture
def vat_owner(db: Any, make_user: Any) -> Any:
    """The agency scenario of the remittance tests: a VAT-registered model whose agency takes
    20 % commission plus VAT, and a bank account."""
    from minimin.business.models import BusinessProfile
    from minimin.contacts.models import Agency

    user = make_user(email=f"model-{uuid.uuid4().hex[:8]}@example.com", full_name="Alex Model")
    db.session.add(
        BusinessProfile(
            user_id=user.id,
            business_name="Alex Model",
            address_line1="1 High Street",
            town="Bristol",
            postcode="BS1 1AA",
            invoice_email="alex@example.com",
            vat_registered=True,
            vat_number="GB123456789",
            vat_scheme="standard",
            onboarding_step="done",
        )
    )
    agency = Agency(
        user_id=user.id,
        name="Top Models Agency",
        email="pay@top.example",
        default_commission_percent=Decimal(20),
        commission_vat_added=True,
        vat_registered=True,
    )
    db.session.add(agency)
    db.session.flush()
    account = banking.create_account(
        user.id, banking.BankAccountInput(name="Business current", last_four="1234")
    )
    db.session.commit()
    user.agency_id, user.account_id = agency.id, account.id
    return user


def test_a_posted_remittances_deposit_is_offered_as_the_remittance(
    app: Any, db: Any, client: Any, login: Any, vat_owner: Any
) -> None:
    """Defect 2: the £1,152 deposit of a posted remittance (RA-77: £1,200 + £240 VAT less
    £240 commission and £48 VAT on it) for the invoiced job (INV-0001, £1,440)."""
    from tests.functional.ledger.test_remittance_postings import _invoice, _job, _remit

    owner = vat_owner
    login(client, owner)
    job_id = _job(app, owner)
    invoice_id = _invoice(app, owner, job_id)
    rid = _remit(client, owner, job_id)
    db.session.expire_all()

    def invoice_state() -> tuple[str, int, int]:
        inv = db.session.get(Invoice, invoice_id)
        return inv.status, inv.paid_pence, len(inv.payments)

    before = invoice_state()
    for basis in BASES:
        assert turnover(db, owner, basis) == 120000
        assert total(db, owner, basis, codes=[accounts.AGENCY_CLEARING]) == 115200

    deposit = txn(
        db, owner, 115200, day=dt.date(2025, 5, 22), description="TOP MODELS AGENCY RA-77"
    )
    page = client.get(f"/banking/transactions/{deposit.id}").get_data(as_text=True)
    assert "the remittance RA-77" in page
    key = suggestion_keys(page)[0]
    assert key == f"remittance:{rid}:115200"
    response = client.submit(f"/banking/transactions/{deposit.id}/accept", {"key": key})
    assert response.status_code == 302

    db.session.expire_all()
    assert invoice_state() == before
    for basis in BASES:
        # No income from the deposit: the remittance counted the job; clearing is now banked.
        assert turnover(db, owner, basis) == 120000
        clearing = [accounts.AGENCY_CLEARING, accounts.SUSPENSE]
        assert total(db, owner, basis, codes=clearing) == 0
        assert total(db, owner, basis, codes=[accounts.bank(owner.account_id)]) == 115200
    line = db.session.get(BankTransaction, deposit.id)
    assert (line.reconciliation, line.reconciled_pence) == ("reconciled", 115200)
    books_whole(db, owner)

    [match] = line.matches
    client.submit(
        f"/banking/transactions/{deposit.id}/matches/{match.id}/undo",
        {},
        form_page=f"/banking/transactions/{deposit.id}",
    )
    db.session.expire_all()
    assert invoice_state() == before
    assert total(db, owner, codes=[accounts.AGENCY_CLEARING]) == 115200
    assert total(db, owner, codes=[accounts.SUSPENSE]) == -115200
    assert turnover(db, owner, "cash") == 120000
    line = db.session.get(BankTransaction, deposit.id)
    assert (line.reconciliation, line.reconciled_pence) == ("unreconciled", 0)
    books_whole(db, owner)
