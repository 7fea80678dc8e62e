# ruff: noqa: E501 - statement fixtures are kept one line per row
"""Statement import through the pages: upload, column mapping, background job, idempotency."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa

MONZO = (
    "Transaction ID,Date,Time,Type,Name,Emoji,Category,Amount,Currency,Local amount,"
    "Local currency,Notes and #tags,Address,Receipt,Description,Category split,Money Out,Money In\n"
    "tx_01,01/02/2025,08:01:00,Card payment,Pret A Manger,,eating_out,-3.50,GBP,-3.50,GBP,,,,"
    "PRET A MANGER LONDON,,-3.50,\n"
    "tx_02,01/02/2025,08:30:00,Card payment,Pret A Manger,,eating_out,-3.50,GBP,-3.50,GBP,,,,"
    "PRET A MANGER LONDON,,-3.50,\n"
    "tx_03,13/02/2025,10:00:00,Faster payment,Acme Studios Ltd,,income,1200.00,GBP,1200.00,GBP,"
    "INV-0001,,,ACME STUDIOS,,,1200.00\n"
)


def test_csv_import_maps_imports_and_reimports_nothing(
    signed_in: Any, account: Any, import_csv: Any, rows: Any
) -> None:
    response = import_csv(signed_in, account, MONZO.encode())
    assert response.status_code == 302, response.text
    status = signed_in.get(response.headers["Location"])
    assert "3 transactions added, 0 already there" in status.text
    found = rows()
    assert [(r.posted_on, r.amount_pence) for r in found] == [
        (date(2025, 2, 1), -350),
        (date(2025, 2, 1), -350),
        (date(2025, 2, 13), 120000),
    ]
    assert found[2].counterparty == "Acme Studios Ltd"
    assert found[2].reference == "INV-0001"
    # the same file again: nothing added
    again = import_csv(signed_in, account, MONZO.encode())
    assert "0 transactions added, 3 already there" in signed_in.get(again.headers["Location"]).text
    assert len(rows()) == 3


def test_two_identical_coffees_without_ids_import_once_each(
    signed_in: Any, account: Any, import_csv: Any, rows: Any
) -> None:
    data = b"Date,Description,Amount\n01/02/2025,COFFEE,-3.50\n01/02/2025,COFFEE,-3.50\n14/02/2025,TRAIN,-20\n"
    import_csv(signed_in, account, data)
    assert len(rows()) == 3
    # an overlapping later statement: the two coffees and the train are already there
    later = data + b"15/02/2025,BOOKS,-9.99\n"
    import_csv(signed_in, account, later)
    assert [r.amount_pence for r in rows()] == [-350, -350, -2000, -999]


def test_backslashes_in_a_statement_are_stored_as_written(
    signed_in: Any, account: Any, import_csv: Any, rows: Any
) -> None:
    """Backslashes (and what looks like COPY's NULL, ``\\N``) in a statement's text are the
    statement's own: the bulk path (COPY on PostgreSQL) escapes them."""
    data = (
        b"Date,Description,Amount\n"
        b"01/02/2025,C:\\PAY\\N REF\\t1,-3.50\n"
        b"02/02/2025,\\N,-4.00\n"
        b"03/02/2025,PLAIN,-5.00\n"
    )
    import_csv(signed_in, account, data)
    assert [r.description for r in rows()] == ["C:\\PAY\\N REF\\t1", "\\N", "PLAIN"]


def test_status_json_reports_progress(signed_in: Any, account: Any, import_csv: Any) -> None:
    response = import_csv(signed_in, account, MONZO.encode())
    job_url = response.headers["Location"]
    data = signed_in.get(job_url + "/status.json").get_json()
    assert data["status"] == "done"
    assert data["percent"] == 100
    assert data["added"] == 3


def test_mapping_is_remembered_per_account(
    signed_in: Any, account: Any, upload: Any, import_csv: Any, rows: Any
) -> None:
    data = b"When,What,Value,Other\n2025-02-01,Rent,-500.00,x\n"
    # "When"/"Value" are not recognised: the user picks columns 0 and 2
    response = import_csv(signed_in, account, data, date="0", description="1", amount="2")
    assert response.status_code == 302, response.text
    assert [r.amount_pence for r in rows()] == [-50000]
    second = upload(signed_in, account, b"When,What,Value,Other\n2025-03-01,Rent,-500.00,y\n")
    page = signed_in.get(second.headers["Location"])
    from tests.functional.banking.conftest import proposed

    form = proposed(page.text)
    assert (form["date"], form["description"], form["amount"]) == ("0", "1", "2")


def test_ambiguous_dates_ask_for_the_order(
    signed_in: Any, account: Any, upload: Any, rows: Any
) -> None:
    data = b"Date,Description,Amount\n03/04/2025,A,-1.00\n05/06/2025,B,-2.00\n"
    response = upload(signed_in, account, data)
    path = response.headers["Location"]
    page = signed_in.get(path)
    assert "Every date in this file reads both ways" in page.text
    from tests.functional.banking.conftest import proposed

    form = proposed(page.text)
    form["date_order"] = ""
    refused = signed_in.submit(path, form)
    assert refused.status_code == 400
    assert "choose the date order" in refused.text
    assert rows() == []
    form["date_order"] = "mdy"
    assert signed_in.submit(path, form).status_code == 302
    assert [r.posted_on for r in rows()] == [date(2025, 3, 4), date(2025, 5, 6)]


def test_bad_rows_are_listed_and_nothing_is_added(
    signed_in: Any, account: Any, import_csv: Any, rows: Any
) -> None:
    data = (
        b"Date,Description,Amount\n01/02/2025,OK,-1.00\n29/02/2023,LEAP,-2.00\n"
        b"02/02/2025,NOT A NUMBER,NaN\n03/02/2025,HUGE,1e309\n"
    )
    response = import_csv(signed_in, account, data)
    assert response.status_code == 400
    assert "Row 3, column “Date”" in response.text
    assert "February 2023 has 28 days" in response.text
    assert "Row 4, column “Amount”" in response.text
    assert "Row 5, column “Amount”" in response.text
    assert rows() == []


def test_ofx_import_and_reimport(signed_in: Any, account: Any, upload: Any, rows: Any) -> None:
    ofx = (
        b"OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nCHARSET:1252\n\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS>"
        b"<CURDEF>GBP<BANKTRANLIST>\n<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20250103<TRNAMT>-12.34"
        b"<FITID>A1<NAME>TESCO\n<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20250104<TRNAMT>100.00<FITID>A2"
        b"<NAME>ACME\n</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n"
    )
    response = upload(signed_in, account, ofx, "statement.ofx")
    assert response.status_code == 302
    assert "2 transactions added" in signed_in.get(response.headers["Location"]).text
    upload(signed_in, account, ofx, "statement.ofx")
    assert [r.amount_pence for r in rows()] == [-1234, 10000]


def test_entity_bomb_is_refused(signed_in: Any, account: Any, upload: Any, rows: Any) -> None:
    bomb = (
        b'<?xml version="1.0"?><?OFX OFXHEADER="200" VERSION="220"?>'
        b'<!DOCTYPE OFX [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        b"<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><BANKTRANLIST><STMTTRN><DTPOSTED>20250101</DTPOSTED>"
        b"<TRNAMT>1.00</TRNAMT><NAME>&c;</NAME></STMTTRN></BANKTRANLIST></STMTRS></STMTTRNRS>"
        b"</BANKMSGSRSV1></OFX>"
    )
    response = upload(signed_in, account, bomb, "bomb.ofx")
    assert response.status_code == 302
    page = signed_in.get(response.headers["Location"])
    assert "refused for safety" in page.text
    assert "nothing was added" in page.text
    assert rows() == []


def test_large_file_runs_in_batches_and_reports_errors_on_its_page(
    app: Any, signed_in: Any, account: Any, import_csv: Any, rows: Any
) -> None:
    from minimin.banking import services as banking_services

    lines = [f"{1 + i % 28:02d}/01/2025,ITEM {i},-{1 + i % 50}.00" for i in range(6_500)]
    good = ("Date,Description,Amount\n" + "\n".join(lines) + "\n").encode()
    response = import_csv(signed_in, account, good)
    assert response.status_code == 302
    assert "6500 transactions added" in signed_in.get(response.headers["Location"]).text
    assert len(rows()) == 6_500
    # a large file with one bad row: accepted for the job, which fails and adds nothing
    bad = good.replace(b"ITEM 6400,", b"ITEM 6400 BAD,").replace(
        b"\n01/01/2025,ITEM 6412,", b"\n31/02/2025,ITEM 6412,"
    )
    response = import_csv(signed_in, account, bad + b"03/03/2025,NEW,-1.00\n")
    assert response.status_code == 302
    page = signed_in.get(response.headers["Location"])
    assert "nothing was added" in page.text
    assert "column “Date”" in page.text and "February 2025 has 28 days" in page.text
    assert len(rows()) == 6_500
    # a finished job run again changes nothing
    from minimin.banking.models import ImportJob
    from minimin.extensions import db

    with app.app_context():
        job = db.session.scalars(sa.select(ImportJob).where(ImportJob.status == "done")).first()
        assert banking_services.run_import(job.id).status == "done"
        db.session.commit()
    assert len(rows()) == 6_500


def test_deleting_an_account_removes_its_transactions_and_statements(
    app: Any, signed_in: Any, account: Any, import_csv: Any, rows: Any
) -> None:
    from minimin.banking.models import BankAccount, ImportJob
    from minimin.extensions import db
    from minimin.files.models import StoredFile

    import_csv(signed_in, account, MONZO.encode())
    assert len(rows()) == 3
    response = signed_in.submit(f"/banking/accounts/{account}/delete", {})
    assert response.status_code == 302
    assert rows() == []
    with app.app_context():
        assert db.session.get(BankAccount, account) is None
        assert db.session.scalar(sa.select(sa.func.count(ImportJob.id))) == 0
        assert db.session.scalar(sa.select(sa.func.count(StoredFile.id))) == 0


def test_an_account_with_matches_is_not_deleted(
    app: Any, signed_in: Any, account: Any, import_csv: Any, rows: Any
) -> None:
    import_csv(signed_in, account, b"Date,Description,Amount\n01/02/2025,SHOP,-9.99\n")
    txn = rows()[0]
    signed_in.submit(f"/banking/transactions/{txn.id}/expense", {"category": "other"})
    response = signed_in.submit(f"/banking/accounts/{account}/delete", {})
    assert "undo those matches first" in signed_in.get(response.headers["Location"]).text
    assert len(rows()) == 1
