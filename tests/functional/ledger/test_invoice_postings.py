"""Issued invoices, payments, credit notes and refunds post to the journal through the real
invoicing services, once each, and the books stay whole (minimin.ledger.check) after every
step. Figures are worked by hand; the turnover sums are those the income reports gave before
the journal (cash: payments less refunds, without their VAT share; accruals: issued invoices
less credit notes)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from minimin.invoices import credit_notes, refunds, services
from minimin.invoices.models import METHOD_AGENCY_REMITTANCE, Invoice
from minimin.ledger import accounts, posting, queries
from minimin.ledger.check import check
from minimin.ledger.models import JournalEntry, JournalLine

A, B, C = "A", "B", "C"  # accruals only, both bases, cash only
ISSUED_ON = dt.date(2025, 4, 10)
YEAR = {"start": dt.date(2025, 4, 6), "end": dt.date(2026, 4, 5)}

Key = tuple[str, str, str | None, uuid.UUID | None]


@pytest.fixture
def owner(db: Any, make_user: Any) -> Any:
    """A VAT-registered business on the standard scheme, with a client, an agency and a
    confirmed job for the client."""
    from minimin.business.models import BusinessProfile
    from minimin.contacts.models import Agency, Client
    from minimin.jobs.models import CONFIRMED, Job

    user = make_user(full_name="Alex Freelance")
    db.session.add(
        BusinessProfile(
            user_id=user.id,
            business_name="Alex Freelance Photography",
            address_line1="1 High Street",
            town="Bristol",
            postcode="BS1 1AA",
            vat_registered=True,
            vat_number="GB123456789",
            vat_scheme="standard",
            onboarding_step="done",
        )
    )
    client = Client(user_id=user.id, name="Acme Studios Ltd", kind="company")
    agency = Agency(user_id=user.id, name="Top Models Agency")
    db.session.add_all([client, agency])
    db.session.flush()
    job = Job(user_id=user.id, title="Spring shoot", client_id=client.id, status=CONFIRMED)
    db.session.add(job)
    db.session.commit()
    user.client, user.agency, user.job_id = client, agency, job.id
    return user


def line(desc: str, qty: str, pence: int, vat: str, job_id: Any = None) -> services.LineInput:
    return services.LineInput(desc, Decimal(qty), pence, vat, job_id)


def in_force(db: Any, user: Any, kind: str, source_id: uuid.UUID) -> dict[Key, int] | None:
    """The lines of the document's entry in force by (account, basis, vat_code, job)."""
    entry = posting.in_force(db.session, user.id, kind, source_id).entry
    if entry is None:
        return None
    out: dict[Key, int] = {}
    for ln in posting.lines_of(entry):
        key = (ln.account, ln.basis, ln.vat_code, ln.job_id)
        out[key] = out.get(key, 0) + ln.amount
    return out


def versions(db: Any, source_id: uuid.UUID) -> list[JournalEntry]:
    return list(
        db.session.scalars(
            sa.select(JournalEntry)
            .where(JournalEntry.source_id == source_id)
            .order_by(JournalEntry.version)
        )
    )


def books_whole(db: Any, user: Any) -> None:
    report = check(db.session, [user.id])
    assert report.problems == []


def turnover(db: Any, user: Any, basis: str) -> int:
    return queries.total(
        db.session, user.id, prefixes=[accounts.TURNOVER_PREFIX], basis=basis, sign=-1, **YEAR
    )


def output_vat(db: Any, user: Any, basis: str) -> int:
    return queries.total(
        db.session, user.id, codes=[accounts.OUTPUT_VAT], basis=basis, sign=-1, **YEAR
    )


def balance(db: Any, user: Any, code: str, basis: str = "accruals") -> int:
    return queries.total(db.session, user.id, codes=[code], basis=basis)


# --------------------------------------------------------------------------- the journey


def test_a_draft_posts_nothing_even_when_edited(db: Any, owner: Any) -> None:
    invoice = services.create_draft(
        owner.id,
        services.DraftInput(
            client_id=owner.client.id,
            issue_date=ISSUED_ON,
            lines=[line("Shoot day", "1", 40000, "standard")],
        ),
    )
    db.session.commit()
    assert versions(db, invoice.id) == []
    services.update_draft(
        invoice,
        services.DraftInput(
            client_id=owner.client.id,
            agency_id=None,
            currency="GBP",
            exchange_rate=None,
            issue_date=ISSUED_ON,
            tax_point=None,
            due_date=None,
            notes="Edited",
            lines=[line("Shoot day", "2", 45000, "standard"), line("Prints", "1", 500, "zero")],
        ),
    )
    db.session.commit()
    assert invoice.total_pence == 108500  # 90000 + 18000 VAT + 500
    assert versions(db, invoice.id) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry)) == 0
    books_whole(db, owner)
    services.delete_draft(invoice)
    db.session.commit()
    books_whole(db, owner)


def test_invoice_payments_credit_note_and_refund_post_once_each(db: Any, owner: Any) -> None:
    debtor = accounts.debtor(client_id=owner.client.id)
    job = owner.job_id
    # Two shoot days at £500 (standard rate, for the job) and prints at £300 (zero rate):
    # net 100000 + 30000 = 130000, VAT 20000, total 150000.
    invoice = services.create_draft(
        owner.id,
        services.DraftInput(
            client_id=owner.client.id,
            issue_date=ISSUED_ON,
            lines=[
                line("Shoot day", "2", 50000, "standard", job),
                line("Prints", "1", 30000, "zero"),
            ],
        ),
    )
    db.session.commit()
    services.issue(invoice)
    db.session.commit()
    assert (invoice.net_pence, invoice.vat_pence, invoice.total_pence) == (130000, 20000, 150000)
    assert in_force(db, owner, "invoice", invoice.id) == {
        (debtor, B, None, None): 150000,
        (accounts.TURNOVER_DIRECT, A, "standard", job): -100000,
        (accounts.TURNOVER_DIRECT, A, "zero", None): -30000,
        (accounts.OUTPUT_VAT, A, "standard", job): -20000,
        (accounts.UNPAID_SALES, C, None, None): -150000,
    }
    assert versions(db, invoice.id)[0].date == ISSUED_ON
    books_whole(db, owner)

    # A part payment of £500: VAT share 50000 x 20000 / 150000 = 6666.67 -> 6667; net 43333,
    # shared by the lines' net (100000 : 30000): 33333.08 and 9999.92 -> 33333 and 10000
    # (the penny to the larger remainder).
    part = services.record_payment(
        invoice,
        services.PaymentInput(
            amount_pence=50000,
            paid_on=dt.date(2025, 5, 1),
            method="bank_transfer",
        ),
    )
    db.session.commit()
    assert in_force(db, owner, "payment", part.id) == {
        (accounts.UNDEPOSITED, B, None, None): 50000,
        (debtor, B, None, None): -50000,
        (accounts.UNPAID_SALES, C, None, None): 50000,
        (accounts.TURNOVER_DIRECT, C, "standard", job): -33333,
        (accounts.TURNOVER_DIRECT, C, "zero", None): -10000,
        (accounts.OUTPUT_VAT, C, "standard", job): -6667,
    }
    assert turnover(db, owner, "cash") == 43333
    assert output_vat(db, owner, "cash") == 6667
    books_whole(db, owner)

    # The payment was recorded by mistake: deleting it reverses its entry and nothing else.
    services.delete_payment(part)
    db.session.commit()
    entries = versions(db, part.id)
    assert [e.version for e in entries] == [1, 2]
    assert entries[1].reverses_id == entries[0].id
    assert in_force(db, owner, "payment", part.id) is None
    assert turnover(db, owner, "cash") == 0
    assert len(versions(db, invoice.id)) == 1
    books_whole(db, owner)

    # Paid in full by Stripe on 2 May: the cash basis gets the whole net and VAT.
    full = services.record_payment(
        invoice,
        services.PaymentInput(amount_pence=150000, paid_on=dt.date(2025, 5, 2), method="stripe"),
    )
    db.session.commit()
    assert invoice.status == "paid"
    assert in_force(db, owner, "payment", full.id) == {
        (accounts.UNDEPOSITED, B, None, None): 150000,
        (debtor, B, None, None): -150000,
        (accounts.UNPAID_SALES, C, None, None): 150000,
        (accounts.TURNOVER_DIRECT, C, "standard", job): -100000,
        (accounts.TURNOVER_DIRECT, C, "zero", None): -30000,
        (accounts.OUTPUT_VAT, C, "standard", job): -20000,
    }
    assert len(versions(db, invoice.id)) == 1  # the invoice's status changed, not its entry
    books_whole(db, owner)

    # One of the two shoot days is credited (£500 + £100 VAT): a refund of £600 is due.
    note = credit_notes.create_credit_note(
        invoice,
        credit_notes.CreditNoteInput(
            full=False,
            lines=[credit_notes.CreditLineInput(invoice.lines[0].id, Decimal("1"))],
        ),
        today=dt.date(2025, 6, 1),
    )
    db.session.commit()
    assert in_force(db, owner, "credit_note", note.id) == {
        (debtor, B, None, None): -60000,
        (accounts.TURNOVER_DIRECT, A, "standard", job): 50000,
        (accounts.OUTPUT_VAT, A, "standard", job): 10000,
        (accounts.UNPAID_SALES, C, None, None): 60000,
    }
    books_whole(db, owner)

    # The £600 is paid back on 2 June, at the credit note's VAT fraction (10000 / 60000).
    [refund] = refunds.record_refund(
        invoice,
        refunds.RefundInput(
            amount_pence=60000,
            refunded_on=dt.date(2025, 6, 2),
            method="bank_transfer",
        ),
        today=dt.date(2025, 6, 2),
    )
    db.session.commit()
    assert in_force(db, owner, "refund", refund.id) == {
        (debtor, B, None, None): 60000,
        (accounts.UNDEPOSITED, B, None, None): -60000,
        (accounts.TURNOVER_DIRECT, C, "standard", job): 50000,
        (accounts.OUTPUT_VAT, C, "standard", job): 10000,
        (accounts.UNPAID_SALES, C, None, None): -60000,
    }
    books_whole(db, owner)

    # The income reports' figures. Accruals: 130000 invoiced less 50000 credited = 80000,
    # VAT 20000 - 10000. Cash: 130000 received net of VAT less 50000 refunded = 80000.
    assert turnover(db, owner, "accruals") == 80000
    assert turnover(db, owner, "cash") == 80000
    assert output_vat(db, owner, "accruals") == 10000
    assert output_vat(db, owner, "cash") == 10000
    # The customer owes nothing and nothing is left as unpaid sales; £900 was kept.
    for basis in ("accruals", "cash"):
        assert balance(db, owner, debtor, basis) == 0
        assert balance(db, owner, accounts.UNPAID_SALES, basis) == 0
    assert balance(db, owner, accounts.UNDEPOSITED) == 90000
    # The income by job: the job's shoot day that stood, £500.
    by_job = queries.grouped(
        db.session,
        owner.id,
        [JournalLine.job_id],
        prefixes=[accounts.TURNOVER_PREFIX],
        basis="cash",
        sign=-1,
        **YEAR,
    )
    assert by_job[(job,)] == 50000


def test_an_invoice_credited_in_full_stays_posted_and_is_cancelled_by_its_note(
    db: Any, owner: Any
) -> None:
    invoice = services.create_draft(
        owner.id,
        services.DraftInput(
            client_id=owner.client.id,
            issue_date=ISSUED_ON,
            lines=[line("Retouching", "3", 10000, "standard")],
        ),
    )
    services.issue(invoice)
    db.session.commit()
    note = credit_notes.create_credit_note(
        invoice,
        credit_notes.CreditNoteInput(full=True),
        today=dt.date(2025, 4, 20),
    )
    db.session.commit()
    # Void by its credit note: the invoice still posts (36000 on 10 April) and the note
    # reverses it on its own date.
    assert invoice.status == "void"
    assert len(versions(db, invoice.id)) == 1
    assert in_force(db, owner, "credit_note", note.id) is not None
    assert turnover(db, owner, "accruals") == 0
    assert turnover(db, owner, "cash") == 0
    assert balance(db, owner, accounts.debtor(client_id=owner.client.id)) == 0
    books_whole(db, owner)


def test_an_invoice_voided_without_a_credit_note_posts_nothing(db: Any, owner: Any) -> None:
    invoice = services.create_draft(
        owner.id,
        services.DraftInput(
            client_id=owner.client.id,
            issue_date=ISSUED_ON,
            lines=[line("Retouching", "1", 10000, "standard")],
        ),
    )
    services.issue(invoice)
    db.session.commit()
    assert in_force(db, owner, "invoice", invoice.id) is not None
    # No service voids an invoice without a credit note today: the status is set directly.
    invoice.status = "void"
    db.session.commit()
    assert [e.version for e in versions(db, invoice.id)] == [1, 2]
    assert in_force(db, owner, "invoice", invoice.id) is None
    assert turnover(db, owner, "accruals") == 0
    books_whole(db, owner)


def test_a_foreign_currency_invoice_posts_in_sterling_and_reposts_its_payments(
    db: Any, owner: Any
) -> None:
    debtor = accounts.debtor(client_id=owner.client.id)
    # $1,000 + $200 VAT at 1.2345 dollars per pound.
    invoice = services.create_draft(
        owner.id,
        services.DraftInput(
            client_id=owner.client.id,
            currency="USD",
            exchange_rate=Decimal("1.2345"),
            issue_date=ISSUED_ON,
            lines=[line("Licence", "1", 100000, "standard")],
        ),
    )
    services.issue(invoice)
    db.session.commit()
    # VAT in sterling as the invoice states it: 200 / 1.2345 = 162.0089 -> 16201; net
    # 100000 / 1.2345 = 81004.455 -> 81004; debtor 97205.
    assert invoice.vat_gbp_pence == 16201
    assert in_force(db, owner, "invoice", invoice.id) == {
        (debtor, B, None, None): 97205,
        (accounts.TURNOVER_DIRECT, A, "standard", None): -81004,
        (accounts.OUTPUT_VAT, A, "standard", None): -16201,
        (accounts.UNPAID_SALES, C, None, None): -97205,
    }
    assert versions(db, invoice.id)[0].currency == "GBP"
    # $500 received: 500 x 97205 / 1200 = 40502.08 -> 40502; VAT 500 x 16201 / 1200 = 6750.42
    # -> 6750; net 33752.
    payment = services.record_payment(
        invoice,
        services.PaymentInput(
            amount_pence=50000,
            paid_on=dt.date(2025, 5, 1),
            method="bank_transfer",
        ),
    )
    db.session.commit()
    assert in_force(db, owner, "payment", payment.id) == {
        (accounts.UNDEPOSITED, B, None, None): 40502,
        (debtor, B, None, None): -40502,
        (accounts.UNPAID_SALES, C, None, None): 40502,
        (accounts.TURNOVER_DIRECT, C, "standard", None): -33752,
        (accounts.OUTPUT_VAT, C, "standard", None): -6750,
    }
    books_whole(db, owner)

    # The rate was mistyped and is corrected to 1.25: net 80000, VAT 16000, total 96000.
    # The invoice's VAT and total changed, so its payment is reposted too: 500 x 96000 /
    # 1200 = 40000, VAT 500 x 16000 / 1200 = 6666.67 -> 6667.
    # (Set on the invoice alone, as a repair would: its lines, in dollars, do not change.)
    invoice.exchange_rate = Decimal("1.25")
    invoice.vat_gbp_pence = 16000
    db.session.commit()
    assert [e.version for e in versions(db, invoice.id)] == [1, 2, 3]
    assert [e.version for e in versions(db, payment.id)] == [1, 2, 3]
    assert in_force(db, owner, "payment", payment.id) == {
        (accounts.UNDEPOSITED, B, None, None): 40000,
        (debtor, B, None, None): -40000,
        (accounts.UNPAID_SALES, C, None, None): 40000,
        (accounts.TURNOVER_DIRECT, C, "standard", None): -33333,
        (accounts.OUTPUT_VAT, C, "standard", None): -6667,
    }
    books_whole(db, owner)

    # The rest, $700: 700 x 96000 / 1200 = 56000. Paid in full, the debtor is clear.
    services.record_payment(
        invoice,
        services.PaymentInput(
            amount_pence=70000,
            paid_on=dt.date(2025, 5, 20),
            method="bank_transfer",
        ),
    )
    db.session.commit()
    assert balance(db, owner, debtor) == 0
    assert balance(db, owner, accounts.UNPAID_SALES, "cash") == 0
    books_whole(db, owner)


def test_an_agency_remittance_payment_goes_to_agency_clearing(db: Any, owner: Any) -> None:
    debtor = accounts.debtor(agency_id=owner.agency.id)
    # Billed to the agency: £800 + £160 VAT.
    invoice = services.create_draft(
        owner.id,
        services.DraftInput(
            agency_id=owner.agency.id,
            issue_date=ISSUED_ON,
            lines=[line("Campaign day", "1", 80000, "standard")],
        ),
    )
    services.issue(invoice)
    db.session.commit()
    payment = services.record_payment(
        invoice,
        services.PaymentInput(
            amount_pence=96000,
            paid_on=dt.date(2025, 5, 30),
            method=METHOD_AGENCY_REMITTANCE,
        ),
    )
    db.session.commit()
    assert in_force(db, owner, "payment", payment.id) == {
        (accounts.AGENCY_CLEARING, B, None, None): 96000,
        (debtor, B, None, None): -96000,
        (accounts.UNPAID_SALES, C, None, None): 96000,
        (accounts.TURNOVER_DIRECT, C, "standard", None): -80000,
        (accounts.OUTPUT_VAT, C, "standard", None): -16000,
    }
    lines = versions(db, payment.id)[0].lines
    assert {ln.agency_id for ln in lines} == {owner.agency.id}
    assert {ln.client_id for ln in lines} == {None}
    assert balance(db, owner, accounts.UNDEPOSITED) == 0
    books_whole(db, owner)


def test_a_business_not_registered_posts_no_vat(db: Any, owner: Any) -> None:
    from minimin.business.models import BusinessProfile

    profile = db.session.scalar(
        sa.select(BusinessProfile).where(BusinessProfile.user_id == owner.id)
    )
    profile.vat_registered = False
    db.session.commit()
    invoice = services.create_draft(
        owner.id,
        services.DraftInput(
            client_id=owner.client.id,
            issue_date=ISSUED_ON,
            lines=[line("Shoot day", "1", 50000, "standard")],
        ),
    )
    services.issue(invoice)
    db.session.commit()
    assert in_force(db, owner, "invoice", invoice.id) == {
        (accounts.debtor(client_id=owner.client.id), B, None, None): 50000,
        (accounts.TURNOVER_DIRECT, A, "not_registered", None): -50000,
        (accounts.UNPAID_SALES, C, None, None): -50000,
    }
    books_whole(db, owner)


def test_check_lists_each_kind_in_one_query(db: Any, owner: Any) -> None:
    from minimin.ledger.sources import invoices as source

    invoice = services.create_draft(
        owner.id,
        services.DraftInput(
            client_id=owner.client.id,
            issue_date=ISSUED_ON,
            lines=[line("Shoot day", "1", 50000, "standard")],
        ),
    )
    draft = services.create_draft(
        owner.id,
        services.DraftInput(client_id=owner.client.id, lines=[]),
    )
    services.issue(invoice)
    services.record_payment(
        invoice,
        services.PaymentInput(amount_pence=1000, paid_on=dt.date(2025, 5, 1), method="cash"),
    )
    db.session.commit()
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = db.session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        assert source.list_invoices(db.session, owner.id) == [invoice.id]
        assert len(source.list_payments(db.session, owner.id)) == 1
        assert source.list_credit_notes(db.session, owner.id) == []
        assert source.list_refunds(db.session, owner.id) == []
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 4
    assert draft.id not in source.list_invoices(db.session, owner.id)
    assert db.session.get(Invoice, draft.id) is not None
