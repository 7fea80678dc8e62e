# ruff: noqa: E501 - statement fixtures are kept one line per row
"""CSV inspection and parsing: presets of UK banks, errors naming rows and columns."""

from __future__ import annotations

from datetime import date

import pytest

from minimin.banking.importers import (
    ParsedTransaction,
    StatementError,
    StatementErrors,
    assign_fingerprints,
    csv_import,
    payee_key,
)

PRESET_FILES = {
    "monzo": (
        "Transaction ID,Date,Time,Type,Name,Emoji,Category,Amount,Currency,Local amount,Local currency,"
        "Notes and #tags,Address,Receipt,Description,Category split,Money Out,Money In\n"
        "tx_1,13/02/2025,10:00:00,Card payment,Pret,,eating_out,-3.50,GBP,-3.50,GBP,,,,PRET,,-3.50,\n",
        (date(2025, 2, 13), -350, "PRET", "Pret", "tx_1"),
    ),
    "starling": (
        "Date,Counter Party,Reference,Type,Amount (GBP),Balance (GBP),Spending Category,Notes\n"
        "13/02/2025,Acme Ltd,INV-7,FASTER PAYMENT,250.00,1250.00,INCOME,\n",
        (date(2025, 2, 13), 25000, "INV-7", "Acme Ltd", None),
    ),
    "barclays": (
        "Number,Date,Account,Amount,Subcategory,Memo\n,13/02/2025,20-00-00 1234,-12.00,Debit,TFL TRAVEL\n",
        (date(2025, 2, 13), -1200, "TFL TRAVEL", "", None),
    ),
    "lloyds": (
        "Transaction Date,Transaction Type,Sort Code,Account Number,Transaction Description,"
        "Debit Amount,Credit Amount,Balance\n13/02/2025,DEB,'30-00-00,12345678,SPOTLIGHT,25.00,,100.00\n"
        "14/02/2025,FPI,'30-00-00,12345678,ACME,,300.00,400.00\n",
        (date(2025, 2, 13), -2500, "SPOTLIGHT", "", None),
    ),
    "natwest": (
        "Date,Type,Description,Value,Balance,Account Name,Account Number\n"
        "13/02/2025,D/D,EQUITY,-14.50,85.50,'MR A,'560000-12345678\n",
        (date(2025, 2, 13), -1450, "EQUITY", "", None),
    ),
    "santander": (
        "Date,Description,Money in,Money out,Balance\n13/02/2025,CARD PAYMENT TO BOOTS,,£4.99,£95.01\n",
        (date(2025, 2, 13), -499, "CARD PAYMENT TO BOOTS", "", None),
    ),
    "nationwide": (
        '"Account Name:","FlexDirect ****1234"\n"Account Balance:","£100.00"\n'
        '"Available Balance: ","£100.00"\n\n'
        '"Date","Transaction type","Description","Paid out","Paid in","Balance"\n'
        '"13 Feb 2025","Visa purchase","WAITROSE","£12.30","","£87.70"\n',
        (date(2025, 2, 13), -1230, "WAITROSE", "", None),
    ),
    "nationwide_2024": (
        '"Date","Transactions","Location","Paid out","Paid in"\n"13 Feb 2025","TESCO","LEEDS","£3.00",""\n',
        (date(2025, 2, 13), -300, "TESCO", "", None),
    ),
    "revolut": (
        "Type,Product,Started Date,Completed Date,Description,Amount,Fee,Currency,State,Balance\n"
        "CARD_PAYMENT,Current,2025-02-13 09:00:00,2025-02-13 10:12:00,Uber,-8.00,0.50,GBP,COMPLETED,92.00\n"
        "CARD_PAYMENT,Current,2025-02-14 09:00:00,,Declined shop,-5.00,0.00,GBP,DECLINED,92.00\n",
        (date(2025, 2, 13), -850, "Uber", "", None),
    ),
    "hsbc": (
        "13/02/2025,TRANSFER FROM ACME,1200.00\n14/02/2025,BT GROUP,-45.00\n",
        (date(2025, 2, 13), 120000, "TRANSFER FROM ACME", "", None),
    ),
}


@pytest.mark.parametrize("key", sorted(PRESET_FILES))
def test_presets_are_chosen_from_the_header_and_parse(key: str) -> None:
    text, (day, pence, description, counterparty, fitid) = PRESET_FILES[key]
    inspection = csv_import.inspect(text.encode("utf-8"))
    assert inspection.preset == key
    rows = csv_import.parse(text.encode("utf-8"), inspection.options())
    first = rows[0]
    assert (first.posted_on, first.amount_pence, first.description) == (day, pence, description)
    assert first.counterparty == counterparty
    assert first.fitid == fitid


def test_revolut_skips_declined_rows() -> None:
    text, _ = PRESET_FILES["revolut"]
    inspection = csv_import.inspect(text.encode())
    assert len(csv_import.parse(text.encode(), inspection.options())) == 1


def test_unknown_header_is_guessed() -> None:
    text = b"Posting Date,Details,Paid in,Paid out\n2025-02-13,Fee,,1.00\n"
    inspection = csv_import.inspect(text)
    assert inspection.preset is None
    assert inspection.mapping["date"] == 0
    assert inspection.mapping["money_out"] == 3
    assert csv_import.parse(text, inspection.options())[0].amount_pence == -100


def _errors(data: bytes, options: dict | None = None) -> list[StatementError]:
    opts = options or csv_import.inspect(data).options()
    with pytest.raises(StatementErrors) as info:
        csv_import.parse(data, opts)
    return info.value.errors


def test_ragged_row_names_the_row() -> None:
    errors = _errors(
        b"Date,Description,Amount\n01/02/2025,A,1.00\n02/02/2025,B\n03/02/2025,C,1,2\n"
    )
    assert [e.row for e in errors] == [3, 4]
    assert "has 2 cells but the header has 3" in str(errors[0])


def test_trailing_empty_cell_is_not_ragged() -> None:
    data = b"Date,Description,Amount\n01/02/2025,A,1.00,\n"
    assert len(csv_import.parse(data, csv_import.inspect(data).options())) == 1


def test_unterminated_quote_names_the_row_where_it_opens() -> None:
    data = b'Date,Description,Amount\n01/02/2025,A,1.00\n02/02/2025,"B,2.00\n03/02/2025,C,3.00\n'
    with pytest.raises(StatementError) as info:
        csv_import.inspect(data)
    assert info.value.row == 3
    assert "unterminated quote" in str(info.value)


def test_huge_cell_is_refused() -> None:
    data = b"Date,Description,Amount\n01/02/2025," + b"x" * 10_001 + b",1.00\n"
    with pytest.raises(StatementError) as info:
        csv_import.inspect(data)
    assert info.value.row == 2
    assert "longer than 10000 characters" in str(info.value)


def test_cell_over_the_csv_module_limit_is_refused() -> None:
    data = b"Date,Description,Amount\n01/02/2025," + b"x" * 200_000 + b",1.00\n"
    with pytest.raises(StatementError, match="longer than"):
        csv_import.inspect(data)


def test_error_names_row_and_column() -> None:
    errors = _errors(b"Date,Description,Amount\n01/02/2025,A,NaN\n30/02/2025,B,1.00\n")
    assert str(errors[0]).startswith("Row 2, column “Amount”")
    assert str(errors[1]).startswith("Row 3, column “Date”")


def test_empty_and_headless_files() -> None:
    with pytest.raises(StatementError, match="empty"):
        csv_import.inspect(b"   \n")
    with pytest.raises(StatementErrors):
        csv_import.parse(
            b"Date,Description,Amount\n", csv_import.inspect(b"Date,Description,Amount\n").options()
        )


def test_mapping_must_name_a_date_and_an_amount() -> None:
    data = b"Date,Description,Amount\n01/02/2025,A,1.00\n"
    options = csv_import.inspect(data).options()
    options["mapping"] = {**options["mapping"], "date": None, "amount": None}
    errors = _errors(data, options)
    assert {str(e) for e in errors} >= {"Choose the column with the date."}
    options["mapping"] = {**options["mapping"], "date": 7}
    assert any("not in the file" in str(e) for e in _errors(data, options))


def test_hostile_text_is_cleaned() -> None:
    data = 'Date,Description,Amount\n01/02/2025,"<script>alert(1)</script>\u202e\x07 ok",1.00\n'.encode()
    rows = csv_import.parse(data, csv_import.inspect(data).options())
    assert rows[0].description == "<script>alert(1)</script>\u202e ok"


def test_fingerprints_distinguish_identical_rows_and_are_stable() -> None:
    def rows() -> list[ParsedTransaction]:
        return [
            ParsedTransaction(1, date(2025, 2, 1), -350, "COFFEE"),
            ParsedTransaction(2, date(2025, 2, 1), -350, "coffee "),
            ParsedTransaction(3, date(2025, 2, 2), -350, "COFFEE"),
        ]

    first, second = rows(), rows()
    assign_fingerprints("acct", first)
    assign_fingerprints("acct", second)
    assert len({r.fingerprint for r in first}) == 3
    assert [r.fingerprint for r in first] == [r.fingerprint for r in second]
    other = rows()
    assign_fingerprints("another account", other)
    assert not {r.fingerprint for r in other} & {r.fingerprint for r in first}


def test_payee_key_ignores_digits_and_case() -> None:
    assert payee_key("", "CARD 1234 PRET A MANGER 01FEB") == payee_key(
        "", "card 9876 Pret a Manger 03mar"
    )
