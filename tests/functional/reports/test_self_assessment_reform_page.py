"""The Self Assessment page's accounting date, transition profit, loss relief choice and kept
cars: entered on the page, kept for the year, shown with their SA103F boxes; bad input refused
on its field with nothing kept. Figures worked by hand in the unit tests named beside each."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

PAGE = "/reports/self-assessment"
ASSETS = PAGE + "/assets"


def _post(client, year="2025/26", **fields):
    data = {"tax_year": year, "regime": "ruk", "basis": "cash", **fields}
    return client.submit(PAGE, data)


def _count(app, model) -> int:
    from minimin.extensions import db

    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# --------------------------------------------------------------------------- losses


def test_loss_set_against_this_years_pay(client, signed_in):
    # tests/unit/reports/test_sa_loss_choices.py: loss £10,000, pay £30,000: £1,486.
    text = _post(client, profit_override="-10000", salary="30000", loss_relief="current").get_data(
        as_text=True
    )
    assert "Set against your other income of this year: £10,000.00 (SA103F box 78)" in text
    assert 'id="sa-total">£1,486.00' in text
    assert "Losses to carry forward" not in text
    again = client.get(PAGE + "?year=2025/26").get_data(as_text=True)
    assert '<option selected value="current">' in again


def test_loss_carried_back_is_shown_with_its_year(client, signed_in):
    text = _post(
        client, profit_override="-20000", loss_relief="previous", prior_income_1="45000"
    ).get_data(as_text=True)
    assert "Set against your income of 2024/25: £20,000.00 (SA103F box 79)" in text
    assert 'id="sa-total">£0.00' in text


def test_early_years_relief_needs_the_start_year_and_keeps_nothing(client, signed_in, app):
    assert _post(client, salary="30000").status_code == 200
    response = _post(client, salary="99999", profit_override="-5000", loss_relief="early")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Choose the tax year the business started, for early years relief." in text
    kept = client.get(PAGE + "?year=2025/26").get_data(as_text=True)
    assert 'value="30000.00"' in kept and "99999" not in kept


def test_early_years_relief_refused_after_the_fourth_year(client, signed_in):
    text = _post(
        client,
        profit_override="-5000",
        loss_relief="early",
        trade_start_year="2020/21",
        prior_income_3="30000",
    ).get_data(as_text=True)
    assert "only for a loss in the first four tax years" in text
    assert "Losses to carry forward to next year: £5,000.00" in text


def test_unknown_loss_choice_is_refused(client, signed_in):
    response = _post(client, loss_relief="everything")
    assert response.status_code == 400
    assert "Choose what to do with a loss from the list." in response.get_data(as_text=True)


# --------------------------------------------------------------------------- basis period


def test_accounting_date_shares_the_two_periods_by_days(client, user_books):
    # Books: £36,500 received in the period to 31 December 2025; the later period's profit
    # entered as £73,000: 36,500 x 270/365 + 73,000 x 95/365 = 27,000 + 19,000 = £46,000
    # (tests/unit/reports/test_sa_accounting_date.py).
    with user_books() as books:
        invoice = books.invoice(date(2025, 2, 1), 3650000)
        books.pay(invoice, date(2025, 2, 10), 3650000)
    text = _post(
        client, accounting_end_month="12", accounting_end_day="31", later_period_profit="73000"
    ).get_data(as_text=True)
    assert "SA103F 68" in text
    assert "270 of its 365 days" in text and "95 of its 365 days" in text
    assert "£27,000.00" in text and "£19,000.00" in text
    assert "£46,000.00" in text
    again = client.get(PAGE + "?year=2025/26").get_data(as_text=True)
    assert '<option selected value="12">' in again and 'value="73000.00"' in again


def test_capital_allowances_come_off_the_period_before_it_is_shared(client, user_books):
    # £36,500 received in the year to 31 December 2025, equipment £3,650 (AIA) entered for
    # 2025/26 (the period ending in it): 32,850 x 270/365 = 24,300; the later period's
    # £73,000 has no allowances: 73,000 x 95/365 = 19,000. £43,300 for 2025/26 (the
    # allowances taken off after sharing would have given £42,350).
    # tests/unit/reports/test_sa_period_allowances.py works the rule by hand.
    with user_books() as books:
        invoice = books.invoice(date(2025, 2, 1), 3650000)
        books.pay(invoice, date(2025, 2, 10), 3650000)
    text = _post(
        client,
        accounting_end_month="12",
        accounting_end_day="31",
        later_period_profit="73000",
        equipment="3650",
    ).get_data(as_text=True)
    assert "profit before capital allowances" in text
    assert "−£3,650.00" in text
    assert "Profit after capital allowances £32,850.00: 270 of its 365 days" in text
    assert "£24,300.00" in text and "£19,000.00" in text
    assert "£43,300.00" in text
    assert "profit before the profit is shared between tax years" in text


def test_a_day_the_month_does_not_have_is_refused(client, signed_in):
    response = _post(client, accounting_end_month="2", accounting_end_day="30")
    assert response.status_code == 400
    assert "February has at most 29 days." in response.get_data(as_text=True)
    response = _post(client, accounting_end_month="12")
    assert "Enter the day of your accounting date." in response.get_data(as_text=True)


def test_transition_profit_taxed_a_fifth_a_year(client, signed_in):
    # £50,000 transition profit: £10,000 in 2025/26. With a £30,000 profit: income tax
    # £5,486, Class 4 £1,645.80 (tests/unit/reports/test_sa_loss_choices.py): £7,131.80.
    text = _post(client, profit_override="30000", transition_profit="50000").get_data(as_text=True)
    assert "SA103F 73.3" in text and "£10,000.00" in text
    assert 'id="sa-total">£7,131.80' in text


def test_transition_profit_brought_forward_sooner_in_an_earlier_year(client, signed_in):
    # £50,000: 2023/24 £10,000; 2024/25 £10,000 + £25,000 elected; 2025/26 takes the
    # £5,000 left (basis_period.transition_spread).
    assert (
        _post(
            client, year="2024/25", transition_profit="50000", transition_accelerated="25000"
        ).status_code
        == 200
    )
    text = _post(client, profit_override="30000", transition_profit="50000").get_data(as_text=True)
    assert "Standard share (a fifth, or what is left): £5,000.00" in text
    # 30,000 + 5,000 - 12,570 = 22,430 x 20% = 4,486; Class 4 22,430 x 6% = 1,345.80.
    assert 'id="sa-total">£5,831.80' in text


def test_extra_transition_profit_above_the_whole_is_refused(client, signed_in):
    response = _post(client, transition_profit="1000", transition_accelerated="2000")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "The extra amount cannot be more than the transition profit." in text


# --------------------------------------------------------------------------- kept cars


def _add_car(client, **fields):
    data = {
        "asset-description": "Blue estate",
        "asset-kind": "car",
        "asset-cost": "20000",
        "asset-co2": "40",
        "asset-business_percent": "60",
        "asset-bought_year": "2024",
        "year": "2025/26",
        **fields,
    }
    # The add form's own token field carries its prefix, as the page renders it.
    token = client.csrf_token(PAGE + "?year=2025/26")
    return client.post(ASSETS, data={"asset-csrf_token": token, "csrf_token": token, **data})


def test_a_kept_car_with_private_use_gets_its_own_pool(client, signed_in):
    # tests/unit/reports/test_sa_kept_assets.py: £20,000, 40 g/km, bought 2024/25, 60%:
    # £1,771 claimed in 2025/26. No income in the books: a loss of £1,771.
    response = _add_car(client)
    assert response.status_code == 302
    page = client.get(PAGE + "?year=2025/26").get_data(as_text=True)
    assert "Blue estate" in page and "2024/25" in page
    assert "Own pool: Blue estate" in page
    assert "−£1,771.00" in page
    assert "A trading loss of £1,771.00" in page


def test_a_car_sold_gives_a_balancing_charge(client, signed_in):
    # Sold in 2026/27 for £15,000: £931 balancing charge (the unit test above).
    _add_car(client, **{"asset-disposed_year": "2026", "asset-proceeds": "15000"})
    text = client.get(PAGE + "?year=2026/27").get_data(as_text=True)
    assert "Sold: balancing charge" in text and "£931.00" in text


def test_removing_a_car(client, signed_in, app):
    from minimin.reports.tax_models import CapitalAsset

    _add_car(client)
    page = client.get(PAGE + "?year=2025/26").get_data(as_text=True)
    start = page.index(PAGE + "/assets/") + len(PAGE + "/assets/")
    asset_id = page[start : page.index("/delete", start)]
    response = client.submit(
        f"{ASSETS}/{asset_id}/delete", {"year": "2025/26"}, form_page=PAGE + "?year=2025/26"
    )
    assert response.status_code == 302
    assert _count(app, CapitalAsset) == 0


def test_bad_car_input_is_refused_with_a_message_and_kept_nothing(client, signed_in, app):
    from minimin.reports.tax_models import CapitalAsset

    response = _add_car(
        client,
        **{
            "asset-cost": "lots",
            "asset-business_percent": "0",
            "asset-disposed_year": "2023",
            "asset-co2": "",
        },
    )
    assert response.status_code == 303
    text = client.get(PAGE + "?year=2025/26").get_data(as_text=True)
    assert "Business use (per cent): Enter the business share, 1 to 100." in text
    assert "CO2 emissions (g/km, cars): Enter the car&#39;s CO2 emissions" in text
    assert _count(app, CapitalAsset) == 0
    response = _add_car(client, **{"asset-disposed_year": "2023"})
    assert response.status_code == 303
    assert "It cannot be sold before it was bought." in client.get(PAGE).get_data(as_text=True)
    assert _count(app, CapitalAsset) == 0


def test_pdf_carries_the_new_lines(client, signed_in):
    # A kept car, an accounting date and a transition profit all reach the PDF's template
    # (the page's own partial): it renders and downloads.
    _add_car(client)
    _post(
        client,
        accounting_end_month="12",
        accounting_end_day="31",
        later_period_profit="73000",
        transition_profit="50000",
    )
    response = client.get(PAGE + ".pdf?year=2025/26")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")
    html = _post(client, accounting_end_month="12", accounting_end_day="31").get_data(as_text=True)
    assert "Own pool: Blue estate" in html and "SA103F 68" in html
