"""Imports (CSV and PDF), bad input on every field, and tenancy: 404 for other users."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from weasyprint import HTML

from tests.functional.remittances.conftest import remittance_form

CSV = (
    "Job,Date,Gross,Commission,VAT,Net\r\n"
    'Spring campaign,01/05/2025,"1,000.00",150.00,30.00,820.00\r\n'
)


def pdf_bytes(table: bool = True) -> bytes:
    rows = (
        "<table style='border-collapse:collapse'>"
        "<tr><th>Job</th><th>Gross</th><th>Commission</th><th>VAT</th><th>Net</th></tr>"
        "<tr><td>Spring campaign</td><td>1,000.00</td><td>150.00</td><td>30.00</td>"
        "<td>820.00</td></tr></table>"
        if table
        else "<p>Thanks for a great month!</p><p>Spring campaign 820</p>"
    )
    html = (
        "<html><head><style>td,th{border:1px solid #000;padding:4px 8px}</style></head><body>"
        f"<p>Date: 12/05/2025</p><p>Reference: RA-9</p>{rows}<p>Total net: £820.00</p>"
        "</body></html>"
    )
    return HTML(string=html).write_pdf()


def upload(client: Any, agency: Any, data: bytes, name: str, kind: str = "advice") -> Any:
    return client.submit(
        "/remittances/import",
        {"agency_id": str(agency), "kind": kind, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_csv_import_creates_a_draft_with_its_lines(
    app: Any, signed_in: Any, owner: Any, make_agency: Any, make_job: Any
) -> None:
    from minimin.extensions import db
    from minimin.remittances.models import Remittance

    agency = make_agency(owner)
    make_job(owner, agency)
    data = CSV + "Total,,,,,820.00\r\n"
    response = upload(signed_in, agency, data.encode("cp1252"), "ra.csv")
    # A CSV carries no remittance date: the prefilled form asks for it.
    assert response.status_code == 400
    assert "Enter the date of the remittance" in response.get_data(as_text=True)
    assert 'value="Spring campaign"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Remittance).count() == 0


def test_pdf_import_reads_the_table_and_keeps_the_file(
    app: Any, signed_in: Any, owner: Any, make_agency: Any
) -> None:
    from minimin.extensions import db
    from minimin.remittances.models import Remittance

    agency = make_agency(owner)
    response = upload(signed_in, agency, pdf_bytes(), "advice.pdf")
    assert response.status_code == 302, response.get_data(as_text=True)
    # The PDF is read in the background; the import's page then sends on to the remittance.
    assert "/remittances/import/" in response.headers["Location"]
    import_page = response.headers["Location"]
    response = signed_in.get(import_page)
    assert response.status_code == 302
    with app.app_context():
        [remittance] = db.session.query(Remittance).all()
        assert remittance.reference == "RA-9" and remittance.total_net_pence == 82000
        assert [ln.net_pence for ln in remittance.lines] == [82000]
        assert remittance.source_file_id is not None
        file_id = remittance.source_file_id
    page = signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert f"/files/{file_id}" in page
    # The remittance deleted, its import's page still answers (it once failed with a 500).
    deleted = signed_in.submit(
        response.headers["Location"] + "/delete", {}, form_page=response.headers["Location"]
    )
    assert deleted.status_code == 302
    assert signed_in.get(import_page).status_code == 200


def test_unreadable_pdf_falls_back_to_manual_entry(
    app: Any, signed_in: Any, owner: Any, make_agency: Any
) -> None:
    from minimin.extensions import db
    from minimin.files.models import StoredFile
    from minimin.remittances.models import Remittance

    agency = make_agency(owner)
    response = upload(signed_in, agency, pdf_bytes(table=False), "scan.pdf")
    response = signed_in.get(response.headers["Location"])
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Not everything in the PDF could be read" in page
    assert "No table of lines" in page
    assert 'value="RA-9"' in page and 'value="820.00"' in page  # what was read is prefilled
    with app.app_context():
        assert db.session.query(Remittance).count() == 0
        [stored] = db.session.query(StoredFile).all()
    assert f'value="{stored.id}"' in page
    # Saving the form attaches the PDF.
    form = remittance_form(agency, source_file_id=str(stored.id))
    response = signed_in.submit("/remittances/new", form, form_page="/remittances/new")
    assert response.status_code == 302
    with app.app_context():
        [remittance] = db.session.query(Remittance).all()
        assert remittance.source_file_id == stored.id


@pytest.mark.parametrize(
    ("data", "name", "status", "message"),
    [
        (b"Job,Gross,Net\nA,NaN,1\n", "a.csv", 400, "Row 2, column “Gross”"),
        (b'Job,Gross,Net\nA,"12\n', "a.csv", 400, "quoted cell is not closed"),
        (b"Job,Gross,Net\nA,1,1,1\n", "a.csv", 400, "Row 2: this row has 4 cells"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "a.png", 400, "neither a CSV nor a PDF"),
        (b"%PDF-1.4 broken", "a.pdf", 400, "PDF"),
        (b"Job,Gross,Net\n" + b"A,1,1\n" * 300_000, "big.csv", 413, "larger than 1 MB"),
        (b"", "empty.csv", 400, "empty"),
    ],
)
def test_bad_files_are_refused_clearly_and_nothing_is_stored(
    app: Any,
    signed_in: Any,
    owner: Any,
    make_agency: Any,
    count_rows: Any,
    data: bytes,
    name: str,
    status: int,
    message: str,
) -> None:
    from minimin.files.models import StoredFile
    from minimin.remittances.models import Remittance

    agency = make_agency(owner)
    response = upload(signed_in, agency, data, name)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert count_rows(Remittance) == 0 and count_rows(StoredFile) == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("lines-0-gross", "NaN", "not NaN or infinity"),
        ("lines-0-gross", "1e999999", "without an exponent"),
        ("lines-0-gross", "12.345", "decimal places"),
        ("lines-0-gross", "-5", "zero or more"),
        ("lines-0-commission", "99999999999999", "no larger than"),
        ("date", "30/02/2025", "does not exist"),
        ("date", "0001-01-01", "between"),
        ("lines-0-description", "bad\x00text", "null character"),
        ("lines-0-description", "x" * 301, "300 characters"),
        ("reference", "line\nbreak", "control characters"),
        ("agency_id", "0b0e2a52-5b1f-4c0e-9a37-4f4c2a8f1d11", "Choose one of your agencies"),
        ("kind", "forged", "Not a valid choice"),
    ],
)
def test_bad_input_is_refused_and_nothing_stored(
    signed_in: Any,
    owner: Any,
    make_agency: Any,
    count_rows: Any,
    field: str,
    value: str,
    message: str,
) -> None:
    from minimin.remittances.models import Remittance

    agency = make_agency(owner)
    form = remittance_form(agency)
    form[field] = value
    response = signed_in.submit("/remittances/new", form, form_page="/remittances/new")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert count_rows(Remittance) == 0


def test_hostile_text_round_trips_escaped(signed_in: Any, owner: Any, make_agency: Any) -> None:
    agency = make_agency(owner)
    hostile = "<script>alert(1)</script>' OR 1=1 --"
    response = signed_in.submit(
        "/remittances/new",
        remittance_form(agency, **{"lines-0-description": hostile}),
        form_page="/remittances/new",
    )
    assert response.status_code == 302
    page = signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page


def test_other_users_get_404_everywhere(
    app: Any,
    client: Any,
    owner: Any,
    intruder: Any,
    login: Any,
    make_agency: Any,
    make_job: Any,
    count_rows: Any,
) -> None:
    from minimin.remittances.models import Remittance

    agency = make_agency(owner)
    job = make_job(owner, agency)
    login(client, owner)
    response = client.submit(
        "/remittances/new", remittance_form(agency), form_page="/remittances/new"
    )
    rid = re.search(r"/remittances/([0-9a-f-]{36})", response.headers["Location"]).group(1)
    client = app.test_client()
    login(client, intruder)
    token = client.csrf_token("/remittances/new")
    for path in (f"/remittances/{rid}", f"/remittances/{rid}/edit"):
        assert client.get(path).status_code == 404
    for path in ("match", "post", "delete", "edit"):
        response = client.post(f"/remittances/{rid}/{path}", data={"csrf_token": token})
        assert response.status_code == 404
    assert client.get("/remittances/not-a-uuid").status_code == 404
    assert "Spring campaign" not in client.get("/remittances/owed").get_data(as_text=True)
    assert rid not in client.get("/remittances").get_data(as_text=True)
    # The intruder cannot enter a remittance for the owner's agency.
    response = client.submit(
        "/remittances/new", remittance_form(agency), form_page="/remittances/new"
    )
    assert response.status_code == 400
    # Nor match the owner's job from a remittance of their own.
    other_agency = make_agency(intruder, name="Mine")
    response = client.submit(
        "/remittances/new", remittance_form(other_agency), form_page="/remittances/new"
    )
    mine = re.search(r"/remittances/([0-9a-f-]{36})", response.headers["Location"]).group(1)
    response = client.submit(
        f"/remittances/{mine}/match", {"job-0": str(job)}, form_page=f"/remittances/{mine}"
    )
    assert response.status_code == 400
    assert count_rows(Remittance) == 2
