"""Three-way matching: suggestions and discrepancies with their amounts (pure)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from minimin.remittances import matching as m

D = dt.date(2025, 5, 12)


def job(title: str, gross: int = 100000, percent: str = "15", vat: bool = True, **kw) -> m.JobIn:
    return m.JobIn(
        id=uuid.uuid4(),
        title=title,
        gross_pence=gross,
        commission_percent=Decimal(percent),
        commission_vat=vat,
        **kw,
    )


def line(index: int = 0, **kw) -> m.LineIn:
    base = {
        "gross_pence": 100000,
        "commission_pence": 15000,
        "commission_vat_pence": 3000,
        "net_pence": 82000,
    }
    base.update(kw)
    return m.LineIn(index=index, **base)


def test_lines_go_to_jobs_by_title_date_and_gross_each_job_once() -> None:
    spring = job("Spring campaign", days=(D,))
    look = job("Lookbook", gross=50000)
    lines = [
        line(0, description="Lookbook shoot", gross_pence=50000),
        line(1, reference="SPRING CAMPAIGN", work_date=D),
        line(2, description="Spring campaign", gross_pence=100000),
    ]
    result = m.suggest_jobs(lines, [spring, look])
    assert result[0].job_id == look.id
    assert result[1].job_id == spring.id and set(result[1].reasons) == {"title", "date", "gross"}
    assert 2 not in result  # spring is taken by the better line


def test_a_short_job_id_in_the_reference_wins() -> None:
    a, b = job("Shoot"), job("Shoot")
    result = m.suggest_jobs([line(0, reference=f"Ref {b.id.hex[:8]}")], [a, b])
    assert result[0].job_id == b.id


def test_nothing_in_common_is_not_suggested() -> None:
    assert m.suggest_jobs([line(0, description="Zebra", gross_pence=1)], [job("Apple")]) == {}


def test_deposit_exact_amount_in_window_nearest_first() -> None:
    near = m.DepositIn(uuid.uuid4(), D + dt.timedelta(days=2), 82000, "BOOKERS LTD")
    far = m.DepositIn(uuid.uuid4(), D + dt.timedelta(days=9), 82000, "")
    wrong = m.DepositIn(uuid.uuid4(), D + dt.timedelta(days=1), 81999, "")
    late = m.DepositIn(uuid.uuid4(), D + dt.timedelta(days=40), 82000, "")
    out = m.DepositIn(uuid.uuid4(), D, -82000, "")
    result = m.suggest_deposits(82000, D, [far, wrong, late, out, near], words=["Bookers"])
    assert [s.deposit_id for s in result] == [near.id, far.id, wrong.id]
    assert result[0].exact and result[2].difference_pence == -1


def test_everything_agrees() -> None:
    j = job("Spring")
    deposit = m.DepositIn(uuid.uuid4(), D, 82000)
    found = m.find_discrepancies(
        [line(job_id=j.id)], {j.id: j}, total_net_pence=82000, deposit=deposit
    )
    assert found == []


def test_each_discrepancy_carries_its_amounts() -> None:
    j = job("Spring", gross=90000)
    lines = [
        line(0, job_id=j.id, commission_pence=20000, commission_vat_pence=4000, net_pence=76000),
        line(1, net_pence=80000),
    ]
    deposit = m.DepositIn(uuid.uuid4(), D, 150000)
    found = {
        (d.code, d.line_index): d
        for d in m.find_discrepancies(lines, {j.id: j}, total_net_pence=156000, deposit=deposit)
    }
    rate = found[(m.COMMISSION_RATE, 0)].figures
    assert rate["rate"] == Decimal("20.00") and rate["agreed_rate"] == Decimal("15")
    assert rate["expected"] == 15000 and rate["difference"] == 5000
    assert (m.COMMISSION_VAT, 0) not in found  # 20% of the stated commission
    assert found[(m.GROSS_DIFFERS, 0)].figures["difference"] == 10000
    assert (m.MISSING_JOB, 1) in found
    net = found[(m.NET_DOES_NOT_ADD_UP, 1)]
    assert net.blocking and net.figures["computed"] == 82000 and net.figures["stated"] == 80000
    assert found[(m.DEPOSIT_DIFFERS, None)].figures["difference"] == -6000
    assert (m.TOTAL_DIFFERS, None) not in found  # 76000 + 80000 == 156000


def test_no_deposit_and_a_total_that_differs() -> None:
    found = m.find_discrepancies([line()], {}, total_net_pence=90000, deposit=None)
    codes = {d.code for d in found}
    assert {m.NO_DEPOSIT, m.TOTAL_DIFFERS, m.MISSING_JOB} <= codes


def test_commission_vat_when_the_agency_adds_none() -> None:
    j = job("Spring", vat=False)
    found = m.find_discrepancies(
        [line(job_id=j.id)],
        {j.id: j},
        total_net_pence=82000,
        deposit=None,
        require_deposit=False,
    )
    [vat] = [d for d in found if d.code == m.COMMISSION_VAT]
    assert vat.figures == {"commission": 15000, "stated": 3000, "expected": 0, "difference": 3000}


@given(
    gross=st.integers(0, 10**9),
    commission=st.integers(0, 10**8),
    vat=st.integers(0, 10**7),
    expenses=st.integers(-(10**6), 10**6),
)
def test_a_consistent_line_never_flags_its_net(gross, commission, vat, expenses) -> None:
    net = gross - commission - vat + expenses
    item = m.LineIn(
        0,
        gross_pence=gross,
        commission_pence=commission,
        commission_vat_pence=vat,
        expenses_pence=expenses,
        net_pence=net,
    )
    found = m.find_discrepancies(
        [item], {}, total_net_pence=net, deposit=None, require_deposit=False
    )
    assert [d.code for d in found] == [m.MISSING_JOB]
