"""Remittance journeys on SQLite and PostgreSQL: enter, match, post (gross income, commission
expense, jobs paid, deposit reconciled), idempotent posting, discrepancies, agency owes you."""

from __future__ import annotations

import re
import uuid
from typing import Any

import sqlalchemy as sa

from tests.functional.remittances.conftest import remittance_form


def _id_from(response: Any) -> str:
    match = re.search(r"/remittances/([0-9a-f-]{36})", response.headers["Location"])
    assert match, response.headers.get("Location")
    return match.group(1)


def _create(client: Any, agency_id: Any, **overrides: Any) -> str:
    response = client.submit("/remittances/new", remittance_form(agency_id, **overrides))
    assert response.status_code == 302, response.get_data(as_text=True)
    return _id_from(response)


def test_enter_match_and_post_a_remittance(
    app: Any,
    signed_in: Any,
    owner: Any,
    make_agency: Any,
    make_job: Any,
    make_deposit: Any,
    count_rows: Any,
) -> None:
    from minimin.banking.models import BankMatch, BankTransaction
    from minimin.expenses.models import Expense
    from minimin.extensions import db
    from minimin.jobs.models import Job
    from minimin.remittances.models import AgencyIncome, Remittance

    agency = make_agency(owner)
    job_id = make_job(owner, agency)
    make_job(owner, agency, title="Autumn lookbook", fee_pence=50000)
    deposit = make_deposit(owner)
    rid = _create(signed_in, agency)

    page = signed_in.get(f"/remittances/{rid}").get_data(as_text=True)
    # The job and the deposit are suggested (selected) from title, date, gross and amount.
    assert re.search(rf'<option value="{job_id}" selected>Spring campaign', page)
    assert re.search(rf'<option value="{deposit}" selected>', page)
    assert "Everything agrees" in page

    response = signed_in.submit(
        f"/remittances/{rid}/match",
        {"job-0": str(job_id), "bank_transaction_id": str(deposit)},
        form_page=f"/remittances/{rid}",
    )
    assert response.status_code == 302
    response = signed_in.submit(f"/remittances/{rid}/post", {}, form_page=f"/remittances/{rid}")
    assert response.status_code == 302
    assert "Posted on" in signed_in.get(f"/remittances/{rid}").get_data(as_text=True)

    with app.app_context():
        remittance = db.session.get(Remittance, uuid.UUID(rid))
        assert remittance.status == "posted"
        [income] = db.session.scalars(sa.select(AgencyIncome)).all()
        assert (income.income_pence, income.gross_fee_pence, income.net_pence) == (
            100000,
            100000,
            82000,
        )
        assert income.job_id == job_id and str(income.received_on) == "2025-05-14"
        [expense] = db.session.scalars(sa.select(Expense)).all()
        assert (expense.amount_pence, expense.vat_pence) == (18000, 3000)
        assert expense.category == "professional" and expense.payment_method == "deducted"
        assert expense.source == "remittance"
        assert expense.external_ref == f"remittance:{rid}:{remittance.lines[0].id}"
        assert expense.supplier == "Bookers Ltd" and expense.job_id == job_id
        assert db.session.get(Job, job_id).status == "paid"
        txn = db.session.get(BankTransaction, deposit)
        assert txn.reconciliation == "reconciled" and txn.reconciled_pence == 82000
        [link] = db.session.scalars(sa.select(BankMatch)).all()
        assert (link.kind, link.target_id) == ("remittance", uuid.UUID(rid))

    # Posting again does nothing more.
    response = signed_in.submit(f"/remittances/{rid}/post", {}, form_page="/remittances")
    assert response.status_code == 302
    assert count_rows(AgencyIncome) == 1 and count_rows(Expense) == 1
    assert count_rows(BankMatch) == 1
    # A posted remittance cannot be edited or deleted.
    signed_in.submit(f"/remittances/{rid}/delete", {}, form_page="/remittances")
    assert count_rows(Remittance) == 1


def test_service_posting_twice_is_idempotent(
    app: Any, owner: Any, make_agency: Any, make_job: Any
) -> None:
    from minimin.expenses.models import Expense
    from minimin.extensions import db
    from minimin.remittances import services
    from minimin.remittances.models import AgencyIncome
    from tests.functional.remittances.conftest import REMITTANCE_DAY

    agency = make_agency(owner)
    job_id = make_job(owner, agency)
    with app.app_context():
        remittance = services.create_remittance(
            owner.id,
            services.RemittanceInput(
                agency_id=agency,
                date=REMITTANCE_DAY,
                lines=[
                    services.LineInput(
                        description="Spring",
                        gross_pence=100000,
                        commission_pence=15000,
                        commission_vat_pence=3000,
                        net_pence=82000,
                    )
                ],
            ),
        )
        services.save_match(remittance, services.MatchInput({0: job_id}))
        first = services.post_remittance(remittance, services.PostInput(confirmed=True))
        second = services.post_remittance(remittance, services.PostInput(confirmed=True))
        assert len(first.incomes) == 1 and second.already_posted
        assert first.jobs_paid == [job_id]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AgencyIncome)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Expense)) == 1
        assert services.agency_income_pence(owner.id, REMITTANCE_DAY, REMITTANCE_DAY) == 100000
        db.session.commit()


def test_discrepancies_are_shown_with_amounts_and_must_be_confirmed(
    app: Any, signed_in: Any, owner: Any, make_agency: Any, make_job: Any, count_rows: Any
) -> None:
    from minimin.remittances.models import AgencyIncome

    agency = make_agency(owner)
    job_id = make_job(owner, agency)
    rid = _create(
        signed_in,
        agency,
        **{
            "lines-0-commission": "200.00",
            "lines-0-commission_vat": "40.00",
            "lines-0-net": "760.00",
            "total_net": "760.00",
        },
    )
    page = signed_in.get(f"/remittances/{rid}").get_data(as_text=True)
    assert "commission £200.00 is 20.00% of £1,000.00; the agreed rate is 15% (£150.00)" in page
    assert "No bank deposit of £760.00" in page
    signed_in.submit(
        f"/remittances/{rid}/match", {"job-0": str(job_id)}, form_page=f"/remittances/{rid}"
    )
    response = signed_in.submit(f"/remittances/{rid}/post", {}, form_page=f"/remittances/{rid}")
    assert response.status_code == 400
    assert "Tick the box" in response.get_data(as_text=True)
    assert count_rows(AgencyIncome) == 0
    response = signed_in.submit(
        f"/remittances/{rid}/post", {"confirm": "y"}, form_page=f"/remittances/{rid}"
    )
    assert response.status_code == 302
    assert count_rows(AgencyIncome) == 1


def test_a_net_that_does_not_add_up_blocks_posting(
    app: Any, signed_in: Any, owner: Any, make_agency: Any, make_job: Any, count_rows: Any
) -> None:
    from minimin.remittances.models import AgencyIncome

    agency = make_agency(owner)
    job_id = make_job(owner, agency)
    rid = _create(signed_in, agency, **{"lines-0-net": "800.00", "total_net": "800.00"})
    page = signed_in.get(f"/remittances/{rid}").get_data(as_text=True)
    assert "the net does not add up" in page and "£820.00, but the net paid is £800.00" in page
    signed_in.submit(
        f"/remittances/{rid}/match", {"job-0": str(job_id)}, form_page=f"/remittances/{rid}"
    )
    response = signed_in.submit(
        f"/remittances/{rid}/post", {"confirm": "y"}, form_page=f"/remittances/{rid}"
    )
    assert response.status_code == 400
    assert "do not add up" in response.get_data(as_text=True)
    assert count_rows(AgencyIncome) == 0


def test_repeating_rows_without_javascript(
    signed_in: Any, owner: Any, make_agency: Any, count_rows: Any
) -> None:
    from minimin.remittances.models import Remittance

    agency = make_agency(owner)
    response = signed_in.submit(
        "/remittances/new", remittance_form(agency, action="add_line"), form_page="/remittances/new"
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Line 2" in page and 'name="lines-1-gross"' in page
    data = remittance_form(agency, action="remove_line:0")
    data.update({"lines-1-description": "Second", "lines-1-gross": "10", "lines-1-net": "10"})
    page = signed_in.submit("/remittances/new", data, form_page="/remittances/new").get_data(
        as_text=True
    )
    assert 'value="Second"' in page and "Spring campaign" not in page
    assert count_rows(Remittance) == 0


def test_self_billed_needs_the_invoice_number_and_warns_without_agreement(
    signed_in: Any, owner: Any, make_agency: Any, count_rows: Any
) -> None:
    from minimin.remittances.models import Remittance

    agency = make_agency(owner)
    response = signed_in.submit(
        "/remittances/new",
        remittance_form(agency, kind="self_billed"),
        form_page="/remittances/new",
    )
    assert response.status_code == 400
    assert "invoice number of the self-billed invoice" in response.get_data(as_text=True)
    assert count_rows(Remittance) == 0
    rid = _create(signed_in, agency, kind="self_billed", agency_invoice_number="SB-0042")
    page = signed_in.get(f"/remittances/{rid}").get_data(as_text=True)
    assert "no self-billing agreement with Bookers Ltd on record" in page
    assert "SB-0042" in page


def test_agency_owes_you(
    app: Any, signed_in: Any, owner: Any, make_agency: Any, make_job: Any
) -> None:
    import datetime as dt

    from minimin.remittances import services

    agency = make_agency(owner)
    other = make_agency(owner, name="Models One")
    make_job(owner, agency)
    make_job(owner, other, title="Catalogue", fee_pence=50000, percent="20")
    make_job(owner, agency, title="Still an option", status="option_first")
    make_job(owner, None, title="Direct job")
    with app.app_context():
        groups = services.owed_by_agencies(owner.id, today=dt.date(2025, 5, 31))
        assert [(g.agency_name, g.totals) for g in groups] == [
            ("Bookers Ltd", {"GBP": 82000}),
            ("Models One", {"GBP": 38000}),
        ]
        assert groups[0].jobs[0].age_days == 30 and groups[0].oldest_days == 30
        assert services.owed_totals(groups) == {"GBP": 120000}
    page = signed_in.get("/remittances/owed").get_data(as_text=True)
    assert "Spring campaign" in page and "£820.00" in page and "£1,200.00" in page
    assert "Still an option" not in page and "Direct job" not in page

    rid = _create(signed_in, agency)
    signed_in.submit(f"/remittances/{rid}/match", {"job-0": ""}, form_page=f"/remittances/{rid}")
    # Matched but without the job: still owed until a posted line pays the job.
    assert "Spring campaign" in signed_in.get("/remittances/owed").get_data(as_text=True)
