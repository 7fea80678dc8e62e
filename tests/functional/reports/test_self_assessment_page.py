"""The "Your Self Assessment" page: figures from the books, other income and reliefs kept per
tax year, the band breakdown, box numbers and the payment timeline; bad input refused."""

from __future__ import annotations

from datetime import date

PAGE = "/reports/self-assessment"


def _post(client, **fields):
    data = {"tax_year": "2025/26", "regime": "ruk", "basis": "cash", **fields}
    return client.submit(PAGE, data)


def test_books_and_entered_income_make_the_estimate(client, user_books):
    with user_books() as books:
        invoice = books.invoice(date(2025, 5, 1), 6150000)
        books.pay(invoice, date(2025, 6, 1), 6150000)
        books.expense(date(2025, 6, 2), 150000, "advertising")
    assert client.get(PAGE + "?year=2025/26").status_code == 200
    # Profit £60,000 from the books; £8,000 paid into a pension is £10,000 gross, so the
    # basic band reaches £47,700: 47,430 x 20% = £9,486. £2,000 of interest: taxable income
    # 49,430 is over £47,700, so a £500 savings allowance (47,430 -> 47,930), then £1,500 at
    # 40% = £600. Income tax £10,086 + Class 4 £2,456.60 = £12,542.60; £6,271.30 on account.
    response = _post(client, pension_paid="8000", savings_interest="2000")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "SA103F 15" in text and "SA100 TR3 2" in text and "SA100 TR4 1" in text
    assert "£60,000.00" in text
    assert "£10,000.00" in text  # the band extension
    assert "£10,086.00" in text and "£2,456.60" in text
    assert 'id="sa-total">£12,542.60' in text
    assert "£6,271.30" in text
    assert "31 Jan 2027" in text and "31 Jul 2027" in text


def test_figures_are_kept_for_the_tax_year(client, signed_in):
    response = _post(
        client,
        profit_override="30000",
        dividends="5000",
        student_loan_plan="plan2",
        postgraduate_loan="y",
        marriage_allowance="receive",
        wfh_hours="60",
        wfh_months="12",
    )
    assert response.status_code == 200
    again = client.get(PAGE + "?year=2025/26").get_data(as_text=True)
    assert 'value="5000.00"' in again
    assert '<option selected value="plan2">' in again
    assert '<option selected value="receive">' in again
    assert '<input checked id="postgraduate_loan"' in again
    assert 'value="60"' in again
    # Another year starts empty.
    other = client.get(PAGE + "?year=2024/25").get_data(as_text=True)
    assert 'value="5000.00"' not in other


def test_loss_is_shown_and_carried_forward(client, signed_in):
    text = _post(client, profit_override="-5000", salary="20000").get_data(as_text=True)
    assert "A trading loss of £5,000.00" in text
    assert "Losses to carry forward to next year: £5,000.00" in text
    assert "£1,486.00" in text  # PAYE pay alone: 7,430 x 20%


def test_class2_offered_only_below_the_small_profits_threshold(client, signed_in):
    low = _post(client, profit_override="5000").get_data(as_text=True)
    assert "You may pay voluntary Class 2 of £182.00" in low
    high = _post(client, profit_override="20000").get_data(as_text=True)
    assert "Class 2 is treated as paid" in high
    assert "voluntary Class 2 of" not in high


def test_bad_input_is_refused_with_a_message_on_the_field(client, signed_in):
    response = _post(client, dividends="lots", wfh_months="13")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Enter 0 to 12 months." in text
    assert 'id="dividends-error"' in text
    # Nothing was kept.
    assert 'value="lots"' not in client.get(PAGE + "?year=2025/26").get_data(as_text=True)
    response = client.get(PAGE + "?year=2019/20")
    assert response.status_code == 400
    assert "Tax rates for 2019/20 are not in Minimin" in response.get_data(as_text=True)


def test_pdf_of_the_kept_figures(client, user_books):
    with user_books() as books:
        invoice = books.invoice(date(2025, 5, 1), 3000000)
        books.pay(invoice, date(2025, 6, 1), 3000000)
    _post(client, dividends="5000")
    response = client.get(PAGE + ".pdf?year=2025/26")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert "self-assessment-2025-26.pdf" in response.headers["Content-Disposition"]
    # The page offers it.
    assert "self-assessment.pdf?year=2025/26" in _post(client).get_data(as_text=True)


def test_capital_allowances_from_equipment_a_kept_car_and_pools(client, user_books):
    with user_books() as books:
        invoice = books.invoice(date(2025, 5, 1), 6000000)
        books.pay(invoice, date(2025, 6, 1), 6000000)
        books.expense(date(2025, 6, 2), 200000, "advertising")
    # The car is entered once, in the list of cars kept (no car fields on the year's form).
    token = client.csrf_token(PAGE + "?year=2025/26")
    kept = client.post(
        PAGE + "/assets",
        data={
            "asset-csrf_token": token,
            "asset-kind": "car",
            "asset-cost": "20000",
            "asset-co2": "45",
            "asset-new": "y",
            "asset-business_percent": "60",
            "asset-bought_year": "2025",
            "year": "2025/26",
        },
    )
    assert kept.status_code == 302
    # Books: £60,000 - £2,000 = £58,000. Allowances (2025/26): equipment £3,000 (AIA);
    # a 45 g/km car of £20,000 at 60% business: 18% = 3,600 x 60% = £2,160; main pool
    # £10,000 at 18% = £1,800. Total £6,960: profit £51,040.
    text = _post(client, equipment="3000", main_pool="10000").get_data(as_text=True)
    assert "−£3,000.00" in text  # AIA
    assert "−£1,800.00" in text  # the main pool's writing-down allowance
    assert "−£2,160.00" in text  # the car's own pool line, business share
    assert "−£3,960.00" not in text  # the own pool is not counted in the pools' line too
    assert "£51,040.00" in text
    assert "main pool £8,200.00" in text  # 10,000 - 1,800
    assert 'name="car_cost"' not in text and 'name="car_co2"' not in text
    again = client.get(PAGE + "?year=2025/26").get_data(as_text=True)
    assert 'value="3000.00"' in again and 'value="10000.00"' in again


def test_capital_allowance_fields_refuse_bad_values(client, signed_in):
    response = _post(client, equipment="-5", main_pool="lots")
    assert response.status_code == 400
    assert 'id="main_pool-error"' in response.get_data(as_text=True)


def test_timeline_shows_the_cost_of_paying_late_and_of_reducing_too_far(client, signed_in):
    # Profit £60,000: income tax £11,432 + Class 4 £2,456.60 = £13,888.60, due 31 Jan 2027;
    # payments on account £6,944.30 each. At 7.75% (Bank Rate 3.75% + 4%): 30 days late is
    # 13,888.60 x 7.75% x 30/365 = £88.46; 31 days adds the 5% penalty £694.43 to £91.41 of
    # interest (£785.84). Reducing both payments on account to nil when the bill stays the
    # same: 6,944.30 x 7.75% for 365 days (£538.18) and 184 days (£271.30) = £809.48.
    text = _post(client, profit_override="60000").get_data(as_text=True)
    assert "If paid 30 days late: £88.46" in text
    assert "If paid 31 days late: £785.84" in text
    assert "£694.43 penalty and £91.41 interest" in text
    assert "SA303" in text and "£809.48" in text
    assert 'id="sa-class4-maximum"' not in text
    assert "Bank Rate plus 4% (plus 2.5% before 6 April 2025)" in text
    assert "%%" not in text


def test_class4_annual_maximum_shown_only_with_a_salary(client, signed_in):
    # Salary £30,000: Class 1 £1,394.40; profit £40,000: Class 4 £1,127.00, not £1,645.80
    # (cases in tests/unit/reports/test_sa_class4_maximum.py).
    text = _post(client, profit_override="40000", salary="30000").get_data(as_text=True)
    assert 'id="sa-class4-maximum"' in text
    assert "£1,394.40" in text and "£1,127.00" in text and "£1,645.80" in text
