"""What the user and the accountant see of the journal: "How this is counted" on an invoice's
page (its entries and its payments' in words, older versions reversed), the trial balance at a
date on each basis, the general ledger of an account (paged, with running balances), the
journal CSV (formula-safe) and who may see them. Documents are made through the real
invoicing services; every figure is worked out by hand in the comments."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import replace
from decimal import Decimal
from html import unescape
from typing import Any

import pytest

from minimin.invoices import services
from minimin.ledger import accounts, export, labels

ISSUED = dt.date(2025, 4, 10)
PAID = dt.date(2025, 5, 1)


@pytest.fixture
def owner(db: Any, make_user: Any, client: Any, login: Any) -> Any:
    """A signed-in, VAT-registered sole trader (standard scheme) with one company client and
    an agency taking 20 % commission plus VAT on it."""
    from minimin.business.models import BusinessProfile
    from minimin.contacts.models import Agency, Client

    user = make_user(full_name="Alex Freelance")
    db.session.add(
        BusinessProfile(
            user_id=user.id,
            business_name="Alex Freelance Photography",
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
    acme = Client(user_id=user.id, name="Acme Studios Ltd", kind="company")
    agency = Agency(
        user_id=user.id,
        name="Top Models Agency",
        email="pay@top.example",
        default_commission_percent=Decimal(20),
        commission_vat_added=True,
        vat_registered=True,
    )
    db.session.add_all([acme, agency])
    db.session.commit()
    user.acme, user.agency_id = acme, agency.id
    login(client, user)
    return user


def issue_invoice(db: Any, owner: Any, pence: int = 100_000) -> Any:
    """One standard-rated shoot day of *pence* net (20 % VAT) for Acme, issued on ISSUED."""
    invoice = services.create_draft(
        owner.id,
        services.DraftInput(
            client_id=owner.acme.id,
            issue_date=ISSUED,
            lines=[services.LineInput("Shoot day", Decimal(1), pence, "standard")],
        ),
    )
    db.session.flush()
    services.issue(invoice, today=ISSUED)
    db.session.commit()
    return invoice


def text_of(response: Any) -> str:
    """The page's text with tags dropped and spaces squeezed, as a reader hears it."""
    html = response.get_data(as_text=True)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def how_counted_block(response: Any) -> str:
    html = response.get_data(as_text=True)
    start = html.index('<details class="card how-counted">')
    block = html[start : html.index("</details>", start)]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", block)).split())


# --------------------------------------------------------------------------- how it is counted


def test_invoice_page_says_how_the_invoice_and_its_payment_are_counted(
    db: Any, client: Any, owner: Any
) -> None:
    invoice = issue_invoice(db, owner)
    # Net £1,000.00 + VAT £200.00 = £1,200.00, paid in full on 1 May.
    services.record_payment(
        invoice,
        services.PaymentInput(amount_pence=120_000, paid_on=PAID, method="bank_transfer"),
    )
    db.session.commit()

    block = how_counted_block(client.get(f"/invoices/{invoice.id}"))
    assert block.startswith("How this is counted")
    # The invoice: the customer owes the total; on the accruals basis the net is turnover and
    # the VAT is owed to HMRC; on the cash basis the total waits as unpaid sales.
    for sentence in (
        "Invoice · 10 Apr 2025",
        "£1,200.00 owed to you by Acme Studios Ltd",
        "£1,000.00 counted as sales (turnover) (accruals basis only)",
        "£200.00 of VAT you charged, owed to HMRC (accruals basis only)",
        "£1,200.00 invoiced but not paid yet, so not yet income on the cash basis "
        "(cash basis only)",
        # The payment: money received, the debt gone, and on the cash basis the income.
        "Payment received · 1 May 2025",
        "£1,200.00 received, waiting to show on a bank statement",
        "£1,200.00 less owed to you by Acme Studios Ltd",
        "£1,200.00 of invoices paid, so now income on the cash basis (cash basis only)",
        "£1,000.00 counted as sales (turnover) (cash basis only)",
        "£200.00 of VAT you charged, owed to HMRC (cash basis only)",
    ):
        assert sentence in block, sentence
    # Debits read "in", credits "out", with the account's name.
    assert "Owed to you by Acme Studios Ltd · in (debit) £1,200.00" in block
    assert "Sales you invoiced · out (credit) £1,000.00" in block
    assert "Earlier versions" not in block


def test_expense_page_shows_the_version_in_force_and_the_one_reversed(
    db: Any, client: Any, owner: Any
) -> None:
    from minimin.expenses import services as expenses

    # A train fare of £12.50 paid personally: box 20 (travel) £12.50, your money put in.
    fare = expenses.create_expense(
        owner.id,
        expenses.ExpenseInput(
            date=dt.date(2025, 6, 2),
            supplier="GWR",
            category="travel",
            amount_pence=1250,
            payment_method="personal",
        ),
    )
    db.session.commit()
    block = how_counted_block(client.get(f"/expenses/{fare.id}"))
    assert "Expense · 2 Jun 2025" in block
    assert "£12.50 counted as an allowable expense (box 20, " in block
    assert "£12.50 of your own money put into the business" in block
    assert "Earlier versions" not in block

    # Corrected to £20.00: the £12.50 is reversed and £20.00 counted as version 2... of 3
    # entries (version 1, its reversal as version 2, the new figures as version 3).
    expenses.update_expense(fare, replace(expenses.expense_input(fare), amount_pence=2000))
    db.session.commit()
    block = how_counted_block(client.get(f"/expenses/{fare.id}"))
    counted_now, older = block.split("Earlier versions, cancelled")
    assert "£20.00 counted as an allowable expense (box 20, " in counted_now
    assert "£20.00 of your own money put into the business" in counted_now
    assert "12.50" not in counted_now
    assert "version 1, since replaced" in older
    assert "£12.50 counted as an allowable expense (box 20, " in older
    # The reversal takes the £12.50 back off, line by line.
    assert "reversal: undoes an earlier version" in older
    assert "£12.50 taken off allowable expenses (box 20, " in older
    assert "£12.50 of the money you put in taken back" in older


def test_how_counted_of_an_invoice_no_longer_counted(db: Any, client: Any, owner: Any) -> None:
    invoice = issue_invoice(db, owner)
    # Voided without a credit note (no service does it today: the status is set directly):
    # its entry is reversed and nothing is counted now.
    invoice.status = "void"
    db.session.commit()
    block = how_counted_block(client.get(f"/invoices/{invoice.id}"))
    assert "Nothing is counted for this now: what it counted before has been reversed." in block
    assert "Counted now" not in block
    assert "version 1, since replaced" in block
    assert "£1,200.00 less owed to you by Acme Studios Ltd" in block  # the reversal


def test_how_counted_of_a_draft_and_of_someone_elses_document(
    db: Any, client: Any, owner: Any, make_user: Any
) -> None:
    draft = services.create_draft(
        owner.id,
        services.DraftInput(
            client_id=owner.acme.id,
            issue_date=ISSUED,
            lines=[services.LineInput("Shoot day", Decimal(1), 50_000, "standard")],
        ),
    )
    db.session.commit()
    block = how_counted_block(client.get(f"/invoices/{draft.id}"))
    assert "Nothing is counted for this yet" in block
    # Another user's invoice is counted in their books, never shown in the owner's words.
    other = make_user()
    assert labels.how_counted(other.id, "invoice", draft.id).empty


def test_labels_for_every_kind_of_account(db: Any, owner: Any) -> None:
    from minimin.banking.models import BankAccount

    bank = BankAccount(user_id=owner.id, name="Business current", last_four="1234")
    db.session.add(bank)
    db.session.commit()
    codes = [
        accounts.debtor(client_id=owner.acme.id),
        accounts.bank(bank.id),
        accounts.expense_box(20),
        accounts.disallowable(20),
        accounts.OWNER_DRAWINGS,
        accounts.OWNER_CAPITAL,
    ]
    names = labels.names_for(db.session, owner.id, codes)
    said = [labels.account_label(code, names) for code in codes]
    assert said[0] == "Owed to you by Acme Studios Ltd"
    assert said[1] == "Bank account: Business current ··1234"
    assert said[2].startswith("Allowable expenses, box 20: ")
    assert said[3].startswith("Disallowable expenses, box 35: ")  # SA103F box 20 + 15
    # Drawings grow with a debit, capital with a credit.
    assert labels.line_sentence(accounts.OWNER_DRAWINGS, 5_000, "GBP", names) == (
        "£50.00 taken out for yourself (drawings, not an expense)"
    )
    assert labels.line_sentence(accounts.OWNER_CAPITAL, -5_000, "GBP", names) == (
        "£50.00 of your own money put into the business"
    )
    assert labels.line_sentence(accounts.bank(bank.id), -1_999, "GBP", names) == (
        "£19.99 out of Business current ··1234"
    )
    # A client since deleted is still named in words.
    gone = accounts.debtor(client_id=bank.id)
    assert labels.account_label(gone, {}) == "Owed to you by a client no longer in your contacts"
    # Every account code the chart may use has words of its own (not the code).
    for code in (
        accounts.TURNOVER_DIRECT,
        accounts.TURNOVER_AGENCY,
        accounts.OTHER_INCOME,
        accounts.OUTPUT_VAT,
        accounts.INPUT_VAT,
        accounts.UNPAID_SALES,
        accounts.UNDEPOSITED,
        accounts.AGENCY_CLEARING,
        accounts.SUSPENSE,
        accounts.TRANSFERS,
        accounts.debtor(agency_id=bank.id),
        *(accounts.expense_box(n) for n in range(17, 31)),
    ):
        assert code not in labels.account_label(code, {}), code


# --------------------------------------------------------------------------- accountant pages


def test_trial_balance_at_a_date_on_each_basis(db: Any, client: Any, owner: Any) -> None:
    invoice = issue_invoice(db, owner)
    services.record_payment(
        invoice,
        services.PaymentInput(amount_pence=120_000, paid_on=PAID, method="bank_transfer"),
    )
    db.session.commit()

    # 20 April, accruals: Acme owes £1,200 (Dr); turnover £1,000 and VAT £200 (Cr).
    page = client.get("/ledger/trial-balance?date=2025-04-20&basis=accruals")
    assert page.status_code == 200
    assert "Accruals basis, at the end of 20 Apr 2025." in text_of(page)
    rows = trial_balance_rows(page)
    assert rows == [
        ("Owed to you by Acme Studios Ltd", "£1,200.00", ""),
        ("VAT you charged", "", "£200.00"),
        ("Sales you invoiced", "", "£1,000.00"),
        ("Total", "£1,200.00", "£1,200.00"),
    ]
    # Same day, cash basis: nothing received yet, the £1,200 waits as unpaid sales.
    rows = trial_balance_rows(client.get("/ledger/trial-balance?date=2025-04-20&basis=cash"))
    assert rows == [
        ("Owed to you by Acme Studios Ltd", "£1,200.00", ""),
        ("Invoiced, not yet paid (cash basis)", "", "£1,200.00"),
        ("Total", "£1,200.00", "£1,200.00"),
    ]
    # After the payment, cash: the money waits for the bank statement; income and VAT counted.
    rows = trial_balance_rows(client.get("/ledger/trial-balance?date=2025-05-31&basis=cash"))
    assert rows == [
        ("Money not yet on a bank statement", "£1,200.00", ""),
        ("VAT you charged", "", "£200.00"),
        ("Sales you invoiced", "", "£1,000.00"),
        ("Total", "£1,200.00", "£1,200.00"),
    ]
    # The CSV says the same, with the codes, in plain pounds.
    csv_rows = read_csv(client.get("/ledger/trial-balance.csv?date=2025-05-31&basis=cash"))
    assert csv_rows[0] == list(export.TRIAL_BALANCE_HEADER)
    assert csv_rows[1][:4] == ["cash", "2025-05-31", "GBP", accounts.UNDEPOSITED]
    assert csv_rows[1][5:] == ["1200.00", "0.00"]
    assert csv_rows[-1][4:] == ["Total", "1200.00", "1200.00"]
    # A date that does not exist is refused with a message, not a 500.
    bad = client.get("/ledger/trial-balance?date=2025-02-30")
    assert bad.status_code == 400
    assert "Date: That date does not exist" in text_of(bad)


def trial_balance_rows(page: Any) -> list[tuple[str, str, str]]:
    html = page.get_data(as_text=True)
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", html, re.S)[1:]:
        cells = [
            " ".join(unescape(re.sub(r"<[^>]+>", " ", c)).split())
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        rows.append((cells[0], cells[1], cells[2]))
    return rows


def read_csv(response: Any) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_general_ledger_pages_carry_the_running_balance(db: Any, client: Any, owner: Any) -> None:
    invoice = issue_invoice(db, owner)
    # Three part payments of £100, £200 and £300 in May: the debtor goes 1200, 1100, 900, 600.
    for day, pence in ((1, 10_000), (2, 20_000), (3, 30_000)):
        services.record_payment(
            invoice,
            services.PaymentInput(
                amount_pence=pence,
                paid_on=dt.date(2025, 5, day),
                method="bank_transfer",
            ),
        )
    db.session.commit()
    debtor = accounts.debtor(client_id=owner.acme.id)
    start, end = dt.date(2025, 4, 6), dt.date(2026, 4, 5)
    first = export.general_ledger(
        db.session, owner.id, debtor, start, end, "accruals", page=1, per_page=2
    )
    second = export.general_ledger(
        db.session, owner.id, debtor, start, end, "accruals", page=2, per_page=2
    )
    assert (first.pages, first.opening, first.closing) == (2, 0, 60_000)
    assert [(r.debit, r.credit, r.balance) for r in first.rows] == [
        (120_000, 0, 120_000),
        (0, 10_000, 110_000),
    ]
    # The second page starts from the first page's last balance.
    assert [(r.debit, r.credit, r.balance) for r in second.rows] == [
        (0, 20_000, 90_000),
        (0, 30_000, 60_000),
    ]
    # From 2 May the £1,100 owed is brought forward.
    later = export.general_ledger(db.session, owner.id, debtor, dt.date(2025, 5, 2), end, "cash")
    assert later.opening == 110_000 and [r.balance for r in later.rows] == [90_000, 60_000]

    page = client.get(
        f"/ledger/general-ledger?account={debtor}&start=2025-04-06&end=2026-04-05&basis=accruals"
    )
    assert page.status_code == 200
    said = text_of(page)
    assert "Owed to you by Acme Studios Ltd" in said
    assert "Brought forward" in said and "Carried forward" in said
    assert "£600.00 in (Dr)" in said  # what Acme still owes at the end
    # An account that is not one of the user's is refused with a message.
    refused = client.get("/ledger/general-ledger?account=asset:bank:nope")
    assert refused.status_code == 400
    assert "Choose one of your accounts." in text_of(refused)
    # The CSV has every account: Acme's lines end at £600.00 carried forward.
    rows = read_csv(
        client.get("/ledger/general-ledger.csv?start=2025-04-06&end=2026-04-05&basis=accruals")
    )
    acme = [r for r in rows if r[0] == debtor]
    kinds = ["brought forward", "line", "line", "line", "line", "carried forward"]
    assert [r[3] for r in acme] == kinds
    assert [r[11] for r in acme] == ["0.00", "1200.00", "1100.00", "900.00", "600.00", "600.00"]


def test_journal_csv_has_every_line_and_is_formula_safe(db: Any, client: Any, owner: Any) -> None:
    owner.acme.name = '=HYPERLINK("http://evil.example")'
    db.session.commit()
    issue_invoice(db, owner)
    rows = read_csv(client.get("/ledger/journal.csv?start=2025-04-06&end=2026-04-05"))
    assert rows[0] == list(export.JOURNAL_HEADER)
    # The invoice posts four lines: debtor 1200 Dr, turnover 1000 Cr and VAT 200 Cr (accruals),
    # unpaid sales 1200 Cr (cash); debits equal credits on each basis.
    body = rows[1:]
    assert sorted((r[7], r[9], r[10], r[11]) for r in body) == sorted(
        [
            (accounts.debtor(client_id=owner.acme.id), "both", "1200.00", "0.00"),
            (accounts.TURNOVER_DIRECT, "accruals", "0.00", "1000.00"),
            (accounts.OUTPUT_VAT, "accruals", "0.00", "200.00"),
            (accounts.UNPAID_SALES, "cash", "0.00", "1200.00"),
        ]
    )
    # No text cell can start a formula (a leading =, +, -, @ is quoted with an apostrophe).
    for row in body:
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell
            assert not cell.startswith("-") or re.fullmatch(r"-\d+\.\d\d", cell), cell


def test_ledger_pages_are_for_the_signed_in_owner_only(db: Any, client: Any, owner: Any) -> None:
    issue_invoice(db, owner)
    for path in ("/ledger/", "/ledger/trial-balance", "/ledger/general-ledger"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert 'name="viewport"' in page.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": client.csrf_token("/ledger/")})
    for path in (
        "/ledger/",
        "/ledger/trial-balance",
        "/ledger/general-ledger",
        "/ledger/journal.csv",
        "/ledger/minimin.beancount",
    ):
        response = client.get(path)
        assert response.status_code in (302, 401), path
        assert "Acme" not in response.get_data(as_text=True)


def test_another_user_sees_none_of_the_owners_journal(
    app: Any, db: Any, owner: Any, make_user: Any, login: Any
) -> None:
    issue_invoice(db, owner)
    other = make_user()
    other_client = app.test_client()
    login(other_client, other)
    for path in (
        "/ledger/trial-balance?date=2025-12-31&basis=accruals",
        f"/ledger/general-ledger?account={accounts.TURNOVER_DIRECT}",
        "/ledger/journal.csv?start=2025-04-06&end=2026-04-05",
        "/ledger/minimin.beancount",
    ):
        response = other_client.get(path)
        assert "Acme" not in response.get_data(as_text=True), path
        assert "1,000.00" not in response.get_data(as_text=True), path
        assert "1000.00" not in response.get_data(as_text=True), path


def test_accountant_export_zip_has_the_journal_trial_balance_and_general_ledger(
    db: Any, client: Any, owner: Any
) -> None:
    import zipfile

    from minimin.core.dates import TaxYear

    invoice = issue_invoice(db, owner)
    services.record_payment(
        invoice,
        services.PaymentInput(amount_pence=50_000, paid_on=PAID, method="bank_transfer"),
    )
    db.session.commit()
    year = TaxYear(2025)  # 6 April 2025 to 5 April 2026
    started = client.submit("/reports/export", {"tax_year": year.label})
    assert started.status_code == 302
    download = client.get(started.headers["Location"] + "/download")
    assert download.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(download.data))

    def table(name: str) -> list[list[str]]:
        return list(csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig"))))

    debtor = accounts.debtor(client_id=owner.acme.id)
    # The journal: the invoice's four lines and the payment's five (two on both bases, three
    # on the cash basis: unpaid sales, and the turnover and VAT shares of £500: VAT
    # 50000 x 20000 / 120000 = 8333.33 -> 83.33, turnover 416.67).
    journal = table("journal.csv")
    assert journal[0] == list(export.JOURNAL_HEADER)
    assert len(journal) == 1 + 4 + 5
    # The trial balance at 5 April 2026, accruals: Acme owes 700.00, 500.00 received.
    trial = table("trial_balance.csv")
    accruals = {r[3]: (r[5], r[6]) for r in trial if r[0] == "accruals" and r[3]}
    assert accruals == {
        debtor: ("700.00", "0.00"),
        accounts.UNDEPOSITED: ("500.00", "0.00"),
        accounts.OUTPUT_VAT: ("0.00", "200.00"),
        accounts.TURNOVER_DIRECT: ("0.00", "1000.00"),
    }
    # Cash: the 500.00 received is 416.67 sales and 83.33 VAT; 700.00 still unpaid sales.
    cash = {r[3]: (r[5], r[6]) for r in trial if r[0] == "cash" and r[3]}
    assert cash == {
        debtor: ("700.00", "0.00"),
        accounts.UNDEPOSITED: ("500.00", "0.00"),
        accounts.UNPAID_SALES: ("0.00", "700.00"),
        accounts.OUTPUT_VAT: ("0.00", "83.33"),
        accounts.TURNOVER_DIRECT: ("0.00", "416.67"),
    }
    assert [r[4:] for r in trial if r[4] == "Total"] == [
        ["Total", "1200.00", "1200.00"],
        ["Total", "1200.00", "1200.00"],
    ]
    # The general ledgers: Acme's account goes 1200.00, then 700.00, on either basis.
    for name in ("general_ledger_accruals.csv", "general_ledger_cash.csv"):
        acme = [r[11] for r in table(name) if r[0] == debtor]
        assert acme == ["0.00", "1200.00", "700.00", "700.00"], name
    readme = archive.read("README.txt").decode()
    assert "- journal.csv (9 rows): The double-entry journal" in readme


def test_bank_line_page_says_how_the_line_and_its_match_are_counted(
    db: Any, client: Any, owner: Any
) -> None:
    import uuid

    from minimin.banking.inputs import BankAccountInput
    from minimin.banking.models import BankTransaction
    from minimin.banking.services import accounts as bank_accounts
    from minimin.banking.services import matching

    invoice = issue_invoice(db, owner)  # £1,200.00 owed by Acme
    bank = bank_accounts.create_account(
        owner.id, BankAccountInput(name="Business current", last_four="1234")
    )
    db.session.flush()
    txn = BankTransaction(
        user_id=owner.id,
        bank_account_id=bank.id,
        posted_on=dt.date(2025, 5, 2),
        amount_pence=120_000,
        currency="GBP",
        fingerprint=uuid.uuid4().hex,
        description="ACME STUDIOS",
    )
    db.session.add(txn)
    db.session.commit()
    # Imported: the money is in the bank, waiting to be explained.
    block = how_counted_block(client.get(f"/banking/transactions/{txn.id}"))
    assert "Bank statement line · 2 May 2025 · ACME STUDIOS" in block
    assert "£1,200.00 into Business current ··1234" in block
    assert "£1,200.00 waiting to be explained (matched to a record or categorised)" in block
    assert "Bank line matched" not in block

    # Matched to the invoice: a payment is recorded and the match moves the money from
    # suspense to "not yet on a bank statement", which the payment filled.
    matching.accept(txn, [matching.Allocation("invoice", invoice.id, 120_000)])
    db.session.commit()
    block = how_counted_block(client.get(f"/banking/transactions/{txn.id}"))
    assert "Bank line matched · 2 May 2025" in block
    assert "£1,200.00 of a bank line now explained" in block
    assert "£1,200.00 paid out or found on a bank statement" in block
    # The invoice's page shows its payment and the same match.
    block = how_counted_block(client.get(f"/invoices/{invoice.id}"))
    assert "Payment received · 2 May 2025" in block
    assert "Bank line matched · 2 May 2025" in block


def test_remittance_page_shows_the_invoice_payment_and_commission_it_posted(
    app: Any, db: Any, client: Any, owner: Any
) -> None:
    # The agency job invoiced to the agency (£1,200 + £240 VAT), then the agency's remittance
    # posted through its pages: commission £240 + £48 VAT deducted, £1,152 paid.
    from tests.functional.ledger.test_remittance_postings import _invoice, _job, _remit

    job_id = _job(app, owner)
    _invoice(app, owner, job_id)
    remittance_id = _remit(client, owner, job_id)

    block = how_counted_block(client.get(f"/remittances/{remittance_id}"))
    # The remittance settles the invoice: a payment of £1,440 on the remittance's day, the
    # money with the agency on its way to the bank.
    assert "Payment received · 20 May 2025" in block
    assert "£1,440.00 paid to you by an agency, on its way to your bank" in block
    assert "£1,440.00 less owed to you by Top Models Agency" in block
    # The commission deducted is an expense paid by the agency keeping it back.
    assert "Expense · 20 May 2025" in block
    assert "£240.00 counted as an allowable expense (box 28, " in block
    assert "£48.00 of VAT you can reclaim from HMRC" in block
    assert "£288.00 kept back by an agency or found on a bank statement" in block
    # Income is the invoice's (on its own page); here only the payment's cash-basis share:
    # £1,440 less its VAT share (1,440 x 240 / 1,440 = £240). No sales of the remittance's own.
    assert "£1,200.00 counted as sales (turnover) (cash basis only)" in block
    counted_now, older = block.split("Earlier versions, cancelled")
    assert counted_now.count("counted as sales") == 1
    # The job was counted as agency sales when done (accruals), and reversed once invoiced.
    assert "£1,200.00 counted as sales through an agency (turnover) (accruals basis only)" in older
    assert "£1,200.00 taken off sales through agencies (turnover) (accruals basis only)" in older


def test_how_counted_reads_a_fixed_number_of_statements(db: Any, owner: Any) -> None:
    """Names and entries are read in bulk: an invoice with five payments costs as many
    statements as one with a single payment."""
    import sqlalchemy as sa

    def statements_for(invoice: Any) -> int:
        count = 0

        def note(*args: Any) -> None:
            nonlocal count
            count += 1

        engine = db.session.get_bind()
        sa.event.listen(engine, "before_cursor_execute", note)
        try:
            counted = labels.how_counted(owner.id, "invoice", invoice.id)
        finally:
            sa.event.remove(engine, "before_cursor_execute", note)
        assert counted.in_force
        return count

    one = issue_invoice(db, owner)
    services.record_payment(
        one,
        services.PaymentInput(amount_pence=10_000, paid_on=PAID, method="bank_transfer"),
    )
    five = issue_invoice(db, owner)
    for day in range(1, 6):
        services.record_payment(
            five,
            services.PaymentInput(
                amount_pence=10_000,
                paid_on=dt.date(2025, 5, day),
                method="bank_transfer",
            ),
        )
    db.session.commit()
    db.session.expire_all()
    single, several = statements_for(one), statements_for(five)
    assert single == several <= 15
