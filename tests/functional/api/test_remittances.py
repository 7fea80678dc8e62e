"""Agency remittances through the API: entered, changed, matched, posted (an invoiced agency
job settled by its remittance counts its income once), deleted and imported from a CSV or PDF
file; refusals change nothing, and another user's remittance is 404."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.functional.ledger.conftest import books_whole, make_business  # noqa: F401

pytestmark = pytest.mark.usefixtures("app")


def gbp(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "GBP"}


def _agency_job(app: Flask, business: Any) -> tuple[uuid.UUID, dt.date]:
    """A £90 agency job, completed."""
    from minimin.core.dates import uk_today
    from minimin.extensions import db
    from minimin.jobs import models as job_models
    from minimin.jobs.models import FeeLine, Job, JobDate

    today = uk_today()
    with app.app_context():
        job = Job(
            user_id=business.user_id,
            title="Catalogue shoot",
            agency_id=business.agency_id,
            status=job_models.COMPLETED,
            currency="GBP",
            starts_on=today,
            ends_on=today,
            commission_percent=Decimal(20),
            commission_vat=False,
            quoting="fee_inclusive",
        )
        db.session.add(job)
        db.session.flush()
        db.session.add(JobDate(user_id=business.user_id, job_id=job.id, position=0, day=today))
        db.session.add(
            FeeLine(
                user_id=business.user_id,
                job_id=job.id,
                position=0,
                kind="fixed",
                quantity=Decimal(1),
                unit_amount_pence=9000,
                amount_pence=9000,
                commissionable=True,
                vat_applies=True,
            )
        )
        db.session.commit()
        return job.id, today


def _invoice(api: Any, agency_id: Any, job_id: Any, day: dt.date) -> str:
    """The job invoiced to the agency: £90 with 20 % VAT, £108."""
    line = {
        "description": "Catalogue shoot",
        "unit_price": gbp("90.00"),
        "vat_treatment": "standard",
        "job_id": str(job_id),
    }
    draft = api.post(
        "/api/v1/invoices",
        json={"agency_id": str(agency_id), "lines": [line], "issue_date": day.isoformat()},
    )
    assert draft.status_code == 201, draft.get_json()
    issued = api.post(f"/api/v1/invoices/{draft.get_json()['id']}/issue")
    assert issued.status_code == 200, issued.get_json()
    assert issued.get_json()["total"] == gbp("108.00")
    return str(draft.get_json()["id"])


def _body(agency_id: Any, day: dt.date, job_id: Any = None, **line: Any) -> dict[str, Any]:
    fields = {
        "reference": "RA-77",
        "description": "Catalogue shoot",
        "gross": gbp("90.00"),
        "fee_vat": gbp("18.00"),
        "commission": gbp("18.00"),
        "net": gbp("90.00"),
        **line,
    }
    if job_id is not None:
        fields["job_id"] = str(job_id)
    return {"agency_id": str(agency_id), "date": day.isoformat(), "lines": [fields]}


def _count(app: Flask, model: Any) -> int:
    from minimin.extensions import db

    with app.app_context():
        return int(db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


def test_an_invoiced_agency_job_settled_by_its_remittance_counts_once(
    app: Flask,
    api_for: Any,
    make_business: Any,  # noqa: F811 - the journal tests' fixture
    books_whole: Any,  # noqa: F811
) -> None:
    from minimin.extensions import db
    from minimin.invoices.models import Invoice
    from minimin.ledger import accounts, queries

    business = make_business()
    job_id, today = _agency_job(app, business)
    api = api_for(SimpleNamespace(id=business.user_id))
    invoice_id = uuid.UUID(_invoice(api, business.agency_id, job_id, today))

    # Entered with the wrong net first, then corrected (the lines sent replace the old ones).
    created = api.post("/api/v1/remittances", json=_body(business.agency_id, today, net=gbp("1")))
    assert created.status_code == 201, created.get_json()
    remittance = created.get_json()
    assert remittance["status"] == "draft" and remittance["lines"][0]["position"] == 0
    url = f"/api/v1/remittances/{remittance['id']}"
    changed = api.open(url, "PUT", json=_body(business.agency_id, today))
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["total_net"] == gbp("90.00")

    matched = api.post(f"{url}/match", json={"lines": [{"position": 0, "job_id": str(job_id)}]})
    assert matched.status_code == 200, matched.get_json()
    assert matched.get_json()["remittance"]["status"] == "matched"
    assert matched.get_json()["remittance"]["lines"][0]["job_id"] == str(job_id)

    # No bank deposit chosen: a difference to confirm, on the same field as the page's.
    differences = matched.get_json()["discrepancies"]
    assert differences and not any(d["blocking"] for d in differences), differences
    unconfirmed = api.post(f"{url}/post", json={})
    assert unconfirmed.status_code == 422
    assert unconfirmed.get_json()["errors"][0]["field"] == "confirm"
    posted = api.post(f"{url}/post", json={"confirm": True})
    assert posted.status_code == 200, posted.get_json()
    assert posted.get_json()["status"] == "posted"
    again = api.post(f"{url}/post", json={"confirm": True})
    assert again.status_code == 200 and again.get_json()["status"] == "posted"

    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        assert (invoice.paid_pence, invoice.outstanding_pence) == (10800, 0)
        assert len(invoice.payments) == 1  # posting twice paid it once
        year = {"start": today.replace(month=1, day=1), "end": today.replace(month=12, day=31)}
        turnover = [accounts.TURNOVER_PREFIX + ":"]
        for basis in ("accruals", "cash"):
            total = queries.total(
                db.session, business.user_id, basis=basis, sign=-1, prefixes=turnover, **year
            )
            assert total == 9000, basis  # the sale once, not the invoice and the remittance
            commission = queries.total(
                db.session, business.user_id, basis=basis, codes=[accounts.expense_box(28)], **year
            )
            assert commission == 1800, basis
        books_whole(db.session, business.user_id)

    # A posted remittance is a record.
    assert api.open(url, "PUT", json=_body(business.agency_id, today)).status_code == 409
    assert api.open(url, "DELETE").status_code == 409
    assert api.post(f"{url}/match", json={}).status_code == 409


def _agency(app: Flask, user: Any, name: str = "Bookers Ltd") -> uuid.UUID:
    from minimin.contacts.models import Agency
    from minimin.extensions import db

    with app.app_context():
        agency = Agency(user_id=user.id, name=name, default_commission_percent=Decimal(15))
        db.session.add(agency)
        db.session.commit()
        return agency.id


def test_refusals_name_the_field_and_change_nothing(app: Flask, api_for: Any) -> None:
    from minimin.remittances.models import Remittance

    api, other = api_for(), api_for()
    mine, theirs = _agency(app, api.user), _agency(app, other.user, "Theirs Ltd")
    day = dt.date(2025, 5, 12)

    cases = [
        (_body(theirs, day), "agency_id"),
        (_body(mine, day, gross=gbp("-1.00")), "lines.0.gross"),
        (_body(mine, day, job_id=uuid.uuid4()), "lines.0.job_id"),
        (_body(mine, day, net=gbp("1.00"), commission=gbp("1.001")), "lines.0.commission"),
        ({**_body(mine, day), "kind": "self_billed"}, "agency_invoice_number"),
        ({**_body(mine, day), "lines": []}, "lines"),
    ]
    for body, field in cases:
        refused = api.post("/api/v1/remittances", json=body)
        assert refused.status_code == 422, (field, refused.get_json())
        assert refused.headers["Content-Type"] == "application/problem+json"
        assert field in [e["field"] for e in refused.get_json()["errors"]], refused.get_json()
    assert _count(app, Remittance) == 0

    draft = api.post("/api/v1/remittances", json=_body(mine, day)).get_json()
    url = f"/api/v1/remittances/{draft['id']}"
    unknown_line = api.post(url + "/match", json={"lines": [{"position": 3}]})
    assert unknown_line.status_code == 422
    assert unknown_line.get_json()["errors"][0]["field"] == "lines"
    not_matched = api.post(url + "/post", json={})
    assert not_matched.status_code == 409
    assert api.get(url).get_json()["status"] == "draft"

    assert api.open(url, "DELETE").status_code == 204
    assert api.get(url).status_code == 404
    assert _count(app, Remittance) == 0


def test_another_users_remittance_is_404(app: Flask, api_for: Any) -> None:
    owner, intruder = api_for(), api_for()
    agency = _agency(app, owner.user)
    draft = owner.post("/api/v1/remittances", json=_body(agency, dt.date(2025, 5, 12)))
    url = f"/api/v1/remittances/{draft.get_json()['id']}"
    body = _body(_agency(app, intruder.user, "Theirs Ltd"), dt.date(2025, 5, 12))
    for method, path, json in (
        ("GET", "", None),
        ("PUT", "", body),
        ("DELETE", "", None),
        ("POST", "/match", {}),
        ("POST", "/post", {"confirm": True}),
    ):
        assert intruder.open(url + path, method, json=json).status_code == 404, (method, path)
    assert owner.get(url).get_json()["status"] == "draft"


CSV = (
    "Job,Date,Gross,Commission,VAT,Net\r\n"
    'Spring campaign,01/05/2025,"1,000.00",150.00,30.00,820.00\r\n'
    "Total,,,,,820.00\r\n"
)


def _import(api: Any, agency: Any, data: bytes, name: str, **fields: str) -> Any:
    return api.post(
        "/api/v1/remittance-imports",
        data={"agency_id": str(agency), "file": (io.BytesIO(data), name), **fields},
        content_type="multipart/form-data",
    )


def test_csv_and_pdf_files_imported(app: Flask, api_for: Any) -> None:
    from minimin.remittances.models import Remittance
    from tests.functional.remittances.test_remittance_imports_and_security import pdf_bytes

    api = api_for()
    agency = _agency(app, api.user)

    undated = _import(api, agency, CSV.encode(), "ra.csv")
    assert undated.status_code == 422
    assert undated.get_json()["errors"][0]["field"] == "date"
    unreadable = _import(api, agency, b"Job,Gross,Net\nA,NaN,1\n", "a.csv", date="2025-05-12")
    assert unreadable.status_code == 422
    assert unreadable.get_json()["errors"][0]["field"] == "file"
    assert _count(app, Remittance) == 0

    read = _import(api, agency, CSV.encode(), "ra.csv", date="2025-05-12")
    assert read.status_code == 202, read.get_json()
    job = read.get_json()
    assert job["status"] == "read" and job["remittance_id"]
    remittance = api.get(f"/api/v1/remittances/{job['remittance_id']}").get_json()
    assert remittance["date"] == "2025-05-12" and remittance["total_net"] == gbp("820.00")

    # A PDF is read in the background (here, once the request has committed).
    started = _import(api, agency, pdf_bytes(), "advice.pdf")
    assert started.status_code == 202, started.get_json()
    status = api.get(f"/api/v1/remittance-imports/{started.get_json()['id']}").get_json()
    assert status["status"] == "read" and status["remittance_id"], status
    pdf = api.get(f"/api/v1/remittances/{status['remittance_id']}").get_json()
    assert pdf["reference"] == "RA-9" and pdf["total_net"] == gbp("820.00")

    # The remittance an import made, deleted: the import still answers (it once failed).
    assert api.open(f"/api/v1/remittances/{job['remittance_id']}", "DELETE").status_code == 204
    gone = api.get(f"/api/v1/remittance-imports/{job['id']}")
    assert gone.status_code == 200, gone.get_json()
    assert (gone.get_json()["remittance_id"], gone.get_json()["problems"]) == (None, [])

    other = api_for()
    assert other.get(f"/api/v1/remittance-imports/{job['id']}").status_code == 404
    assert _import(other, agency, CSV.encode(), "ra.csv", date="2025-05-12").status_code == 422
