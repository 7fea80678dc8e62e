"""The whole ledger as beancount text: a realistic year made through the real services
(two invoices with a full and a part payment, an expense, a bank statement imported through
the pages) is exported from /ledger/minimin.beancount, passes ``bean-check``, loads with
beancount's own loader, and the totals per account that ``bean-query`` (beanquery) computes
equal Minimin's own (minimin.ledger.queries.total, accruals basis) and the figures worked out
by hand below."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from minimin.ledger import accounts, export, queries
from minimin.ledger.models import LedgerAccount

beancount_loader = pytest.importorskip("beancount.loader")
beanquery = pytest.importorskip("beanquery")

BIN = Path(sys.executable).parent

# The bank statement: Acme's £1,500.00 on 2 May, the phone bill on 20 June, Acme's £400.00 on
# 3 July and a card payment whose payee text would be a formula in a spreadsheet.
STATEMENT = (
    "Date,Description,Amount\n"
    "2025-05-02,ACME STUDIOS,1500.00\n"
    "2025-06-20,PHONE CO,-60.00\n"
    "2025-07-03,ACME STUDIOS,400.00\n"
    '2025-07-10,"=HYPERLINK(""x"") \\ shop",-25.00\n'
)


def _upload_statement(client: Any, account_id: Any) -> None:
    import io

    from tests.functional.banking.conftest import proposed

    path = f"/banking/accounts/{account_id}/import"
    response = client.post(
        path,
        data={
            "csrf_token": client.csrf_token(path),
            "statement": (io.BytesIO(STATEMENT.encode()), "statement.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    columns = response.headers["Location"]
    form = proposed(client.get(columns).get_data(as_text=True))
    done = client.submit(columns, form)
    assert done.status_code == 302, done.get_data(as_text=True)[:500]
    status = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "4 transactions added" in status


def _make_year(db: Any, business: Any, client: Any) -> None:
    from minimin.banking import services as banking
    from minimin.contacts.models import Client
    from minimin.expenses import services as expenses
    from minimin.invoices import services as invoices

    acme = db.session.get(Client, business.client_id)

    def issue(day: dt.date, lines: list[Any]) -> Any:
        invoice = invoices.create_draft(
            business.user_id,
            invoices.DraftInput(client_id=acme.id, issue_date=day, lines=lines),
        )
        db.session.flush()
        invoices.issue(invoice, today=day)
        db.session.commit()
        return invoice

    # Invoice 1, 10 April: two shoot days at £500 (standard) and prints at £300 (zero rate):
    # net 130000, VAT 20000, total 150000; paid in full on 2 May.
    first = issue(
        dt.date(2025, 4, 10),
        [
            invoices.LineInput("Shoot day", Decimal(2), 50_000, "standard"),
            invoices.LineInput("Prints", Decimal(1), 30_000, "zero"),
        ],
    )
    invoices.record_payment(
        first,
        invoices.PaymentInput(
            amount_pence=150_000,
            paid_on=dt.date(2025, 5, 2),
            method="bank_transfer",
        ),
    )
    # Invoice 2, 1 June: one day at £800 (standard): net 80000, VAT 16000, total 96000;
    # £400.00 paid on 3 July, £560.00 still owed.
    second = issue(
        dt.date(2025, 6, 1), [invoices.LineInput("Shoot day", Decimal(1), 80_000, "standard")]
    )
    invoices.record_payment(
        second,
        invoices.PaymentInput(
            amount_pence=40_000,
            paid_on=dt.date(2025, 7, 3),
            method="bank_transfer",
        ),
    )
    # The phone bill, 20 June: £60.00 with £10.00 VAT reclaimable, by direct debit.
    expenses.create_expense(
        business.user_id,
        expenses.ExpenseInput(
            date=dt.date(2025, 6, 20),
            supplier="Phone Co",
            category="office",
            amount_pence=6_000,
            vat_pence=1_000,
            vat_treatment="standard",
            vat_reclaimable=True,
            payment_method="direct_debit",
        ),
    )
    bank = banking.create_account(
        business.user_id, banking.BankAccountInput(name="Business current", last_four="1234")
    )
    db.session.commit()
    _upload_statement(client, bank.id)
    # The card payment is put down as office costs: a line a category explains posts an entry
    # of its own, under the statement's own text (the rest of the statement is counted in its
    # days' statement entries).
    from minimin.banking.models import BankTransaction

    card = db.session.scalar(
        sa.select(BankTransaction).where(BankTransaction.amount_pence == -2_500)
    )
    banking.set_category(card, banking.CategoryInput(category="office"))
    db.session.commit()


@pytest.fixture
def year(db: Any, client: Any, make_business: Any, login: Any) -> Any:
    from minimin.accounts.models import User

    business = make_business()
    user = db.session.get(User, business.user_id)
    login(client, user, "correct horse battery staple")
    _make_year(db, business, client)
    return business


def _bean_totals(path: Path) -> dict[str, Decimal]:
    """Each account's total by bean-query (beanquery), in pounds."""
    connection = beanquery.connect(f"beancount:{path}")
    cursor = connection.execute(
        "SELECT account, sum(number) AS total WHERE currency = 'GBP' GROUP BY account"
    )
    return {str(account): Decimal(total) for account, total in cursor.fetchall()}


def test_the_years_beancount_file_checks_and_adds_up_to_minimins_figures(
    db: Any, client: Any, year: Any, books_whole: Any, tmp_path: Path
) -> None:
    books_whole(db.session, year.user_id)
    response = client.get("/ledger/minimin.beancount")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    path = tmp_path / "minimin.beancount"
    path.write_bytes(response.data)
    text = response.get_data(as_text=True)

    # bean-check: no syntax error, every posting's account open, every transaction balanced.
    checked = subprocess.run(
        [str(BIN / "bean-check"), str(path)], capture_output=True, text=True, timeout=120
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.strip() == "" and checked.stderr.strip() == ""
    entries, errors, options = beancount_loader.load_file(str(path))
    assert errors == []
    # Ten transactions (two invoices, two payments, the expense, four days of statement lines,
    # the categorised card payment) and eight
    # accounts opened (Acme, turnover, output VAT, bank, suspense, undeposited, input VAT,
    # office costs).
    kinds = [type(entry).__name__ for entry in entries]
    assert (kinds.count("Transaction"), kinds.count("Open")) == (10, 8)
    assert options["operating_currency"] == ["GBP"]

    codes = list(
        db.session.scalars(
            sa.select(LedgerAccount.code).where(LedgerAccount.user_id == year.user_id)
        )
    )
    names = export.account_names(db.session, year.user_id)
    mapped = export.beancount_accounts(codes, _names_of(db, year.user_id, codes))
    totals = _bean_totals(path)
    # Every account of Minimin's journal on the accruals basis is one beancount account whose
    # total is Minimin's own sum; the cash-basis-only "unpaid sales" is left out.
    for code in codes:
        minimin_total = queries.total(db.session, year.user_id, codes=[code], basis="accruals")
        bean_total = totals.get(mapped[code], Decimal(0))
        assert bean_total * 100 == minimin_total, (code, names[code], bean_total, minimin_total)
    assert mapped[accounts.UNPAID_SALES] not in text

    # The figures by hand, in pounds (debits positive).
    acme = mapped[accounts.debtor(client_id=year.client_id)]
    assert acme.startswith("Assets:Debtors:Clients:AcmeStudiosLtd-")
    bank = next(v for k, v in mapped.items() if k.startswith(accounts.BANK_PREFIX))
    assert bank.startswith("Assets:Bank:BusinessCurrent1234-")
    expected = {
        # Sales 1300.00 + 800.00 on the accruals basis; VAT 200.00 + 160.00.
        "Income:Turnover:Direct": Decimal("-2100.00"),
        "Liabilities:VAT:Output": Decimal("-360.00"),
        # Invoiced 1500.00 + 960.00, paid 1500.00 + 400.00: 560.00 still owed.
        acme: Decimal("560.00"),
        # Payments received 1900.00 less the phone bill 60.00, not yet matched to the bank.
        "Assets:Undeposited": Decimal("1840.00"),
        # The phone bill: 50.00 allowable (office costs, box 23) and 10.00 VAT to reclaim.
        "Assets:VAT:Input": Decimal("10.00"),
        # The statement: 1500.00 - 60.00 + 400.00 - 25.00 = 1815.00, waiting to be explained
        # but for the card payment's 25.00, explained as office costs.
        bank: Decimal("1815.00"),
        "Assets:Suspense": Decimal("-1840.00"),
    }
    for account, amount in expected.items():
        assert totals[account] == amount, account
    office = mapped[accounts.expense_box(23)]
    assert totals[office] == Decimal("75.00")  # the phone bill's 50.00 and the card's 25.00
    # Everything sums to zero: the books balance.
    assert sum(totals.values()) == 0

    # Open directives come first, each dated the account's first line, with its name.
    assert f'2025-04-10 open {acme}\n  name: "Owed to you by Acme Studios Ltd"' in text
    assert "2025-05-02 open Assets:Undeposited" in text
    # The formula-like payee is a quoted string, its quote and backslash made harmless.
    assert "=HYPERLINK('x') / shop" in text


def test_beancount_account_names_are_valid_and_unique() -> None:
    import re
    import uuid

    valid = re.compile(
        r"(Assets|Liabilities|Equity|Income|Expenses)(:[A-Z0-9][A-Za-z0-9-]*)+", re.ASCII
    )
    a, b = uuid.UUID(int=1), uuid.UUID(int=2)
    codes = [
        accounts.debtor(client_id=a),
        accounts.debtor(client_id=b),
        accounts.debtor(agency_id=a),
        accounts.bank(a),
        accounts.expense_box(17),
        accounts.disallowable(30),
        accounts.TURNOVER_AGENCY,
        accounts.AGENCY_CLEARING,
        "income:some-new:thing",
        "asset:vat:input",
    ]
    # Two clients of the same name, one of them with only symbols and Welsh letters.
    names = {codes[0]: "Ŵyn & Co.", codes[1]: "Ŵyn & Co.", codes[3]: "¡¿"}
    mapped = export.beancount_accounts(codes, names)
    assert len(set(mapped.values())) == len(codes)
    for code, name in mapped.items():
        assert valid.fullmatch(name), (code, name)
    assert mapped[codes[3]] == "Assets:Bank:Unknown-00000000"
    assert mapped["income:some-new:thing"] == "Income:SomeNew:Thing"
    assert mapped[accounts.disallowable(30)] == "Expenses:Disallowable:Box30"


def _names_of(db: Any, user_id: Any, codes: list[str]) -> dict[str, str]:
    from minimin.ledger.labels import names_for

    return names_for(db.session, user_id, codes)
