"""The Self Assessment page (and its PDF) names the figures the estimate used that are still
to be confirmed, and marks each line that quotes one "(to be confirmed)", linking to its note:
the 2026/27 Plan 4 threshold (£33,795) for a Plan 4 borrower; the 2026/27 small profits
threshold (£7,105) that the Class 2 line quotes, with voluntary Class 2 (£3.65 a week) when it
is offered; the 2026/27 Class 1 figures behind a Class 4 maximum; the hybrid main pool rate of
a period spanning 6 April 2026; and the share of the transition profit, which rests on what
was entered. Nothing for 2025/26's checked figures (cases of which figures apply:
tests/unit/reports/test_sa_provisional.py)."""

from __future__ import annotations

import io
import re
from datetime import date

import pdfplumber

PAGE = "/reports/self-assessment"
HEADING = '<h2 id="sa-provisional">Figures still to be confirmed</h2>'
MARK = "(to be confirmed)"


def _post(client, year, **fields):
    data = {"tax_year": year, "regime": "ruk", "basis": "cash", **fields}
    response = client.submit(PAGE, data)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _box(text):
    box = text[text.index(HEADING) :]
    return box[: box.index("</section>")]


def _notes(text):
    """The box's notes by anchor: the lines link to these."""
    return dict(
        re.findall(r'<li id="(sa-confirm-[^"]+)" data-figure="[^"]+">([^<]*)</li>', _box(text))
    )


def _marked(text):
    """The anchors the page's marked lines link to, in the page's order."""
    return re.findall(
        r'<a class="to-confirm" href="#(sa-confirm-[^"]+)">\(to be confirmed\)</a>', text
    )


def _line(text, start):
    """The list item or table row of the estimate that starts with *start*."""
    at = text.index(start)
    return text[at : min(i for i in (text.find("</li>", at), text.find("</tr>", at)) if i >= 0)]


def _pdf_text(client, year):
    response = client.get(PAGE + ".pdf?year=" + year)
    assert response.status_code == 200
    with pdfplumber.open(io.BytesIO(response.data)) as pdf:
        return " ".join(" ".join(p.extract_text() or "" for p in pdf.pages).split())


def test_plan4_threshold_is_flagged_for_2026_27_and_not_for_2025_26(client, signed_in):
    text = _post(client, "2026/27", profit_override="40000", student_loan_plan="plan4")
    assert 'aria-labelledby="sa-provisional"' in text and HEADING in text
    box = _box(text)
    assert "Plan 4 student loan threshold for 2026/27: £33,795.00" in box
    assert "You or your accountant should check each one before you file." in box
    assert "%%" not in box
    # The Plan 4 line's own "9% over £33,795.00" is marked, linking to that note.
    assert f'9% over £33,795.00 <a class="to-confirm" href="#sa-confirm-plan4">{MARK}</a>' in text
    assert "sa-confirm-plan4" in _notes(text)

    # The PDF of the kept figures carries the same notice.
    pdf_text = _pdf_text(client, "2026/27")
    assert "Figures still to be confirmed" in pdf_text
    assert "£33,795.00" in pdf_text
    assert f"9% over £33,795.00 {MARK}" in pdf_text

    earlier = _post(client, "2025/26", profit_override="40000", student_loan_plan="plan4")
    assert "sa-provisional" not in earlier and "Figures still to be confirmed" not in earlier
    assert "£32,745.00" in earlier  # the 2025/26 threshold is still used, unflagged
    assert MARK not in earlier and "to-confirm" not in earlier


def test_class2_line_quoting_the_2026_27_threshold_is_marked_and_named(client, user_books):
    # £20,000 of income in 2026/27, less the £1,000 trading allowance: £19,000 of profit from
    # the books (which the PDF uses too), above the £7,105 threshold.
    with user_books() as books:
        invoice = books.invoice(date(2026, 5, 1), 2_000_000)
        books.pay(invoice, date(2026, 6, 1), 2_000_000)
    text = _post(client, "2026/27")
    assert "£19,000.00" in text
    line = _line(text, "Class 2 National Insurance: your profit is at or above")
    assert "(£7,105.00)" in line and 'href="#sa-confirm-class2"' in line and MARK in line
    assert _marked(text) == ["sa-confirm-class2"]
    notes = _notes(text)
    assert list(notes) == ["sa-confirm-class2"]
    assert notes["sa-confirm-class2"].startswith(
        "Class 2 National Insurance small profits threshold for 2026/27: £7,105.00."
    )
    assert "£3.65" not in _box(text)  # no voluntary Class 2 offered, so not its rate

    pdf_text = _pdf_text(client, "2026/27")
    assert "counts toward your State Pension. " + MARK in pdf_text
    assert "Figures still to be confirmed" in pdf_text
    assert "small profits threshold for 2026/27: £7,105.00" in pdf_text
    assert "£3.65" not in pdf_text
    assert pdf_text.count(MARK) == 1


def test_voluntary_class2_offered_in_2026_27_is_marked_and_named(client, signed_in):
    # No income in the books: the profit (page and PDF) is below the threshold.
    text = _post(client, "2026/27")
    line = _line(text, "Class 2 National Insurance: your profit is below")
    assert "£189.80" in line and 'href="#sa-confirm-class2"' in line and MARK in line
    note = _notes(text)["sa-confirm-class2"]
    assert "£3.65 a week (£189.80 for the year)" in note and "£7,105.00" in note

    pdf_text = _pdf_text(client, "2026/27")
    assert "to keep your State Pension record. " + MARK in pdf_text
    assert "Voluntary Class 2 National Insurance for 2026/27: £3.65 a week" in pdf_text
    assert pdf_text.count(MARK) == 1


def test_class2_line_for_2025_26_is_not_marked(client, signed_in):
    for profit in ("20000", "5000"):
        text = _post(client, "2025/26", profit_override=profit)
        assert "£6,845.00" in _line(text, "Class 2 National Insurance: your profit is")
        assert MARK not in text and HEADING not in text
        pdf_text = _pdf_text(client, "2025/26")
        assert "£6,845.00" in pdf_text
        assert MARK not in pdf_text and "Figures still to be confirmed" not in pdf_text


def test_every_marked_line_has_its_note_and_every_note_its_line(client, signed_in):
    text = _post(
        client,
        "2026/27",
        profit_override="40000",
        salary="30000",
        student_loan_plan="plan4",
        transition_profit="50000",
    )
    expected = [  # in the page's order: the business table, the tax table, its notes
        "sa-confirm-transition",
        "sa-confirm-plan4",
        "sa-confirm-class4_maximum",
        "sa-confirm-class2",
    ]
    assert _marked(text) == expected
    assert sorted(_notes(text)) == sorted(expected)
    assert _box(text).count("<li ") == 4
    # Announced rates and an entered figure together: the box says both.
    assert "and figures you entered to check against your return" in _box(text)

    # The PDF works from the books (no override): a nil profit, so voluntary Class 2.
    pdf_text = _pdf_text(client, "2026/27")
    assert pdf_text.count(MARK) == 4
    for start in (
        "Plan 4 student loan threshold for 2026/27",
        "Voluntary Class 2 National Insurance for 2026/27",
        "Class 1 National Insurance on your salary for 2026/27",
        "Transition profit taxed in 2026/27: £10,000.00",
    ):
        assert start in pdf_text


def test_transition_share_is_named_only_when_the_estimate_uses_one(client, signed_in):
    # 2025/26: every rate is checked, so the transition share is the only note.
    text = _post(client, "2025/26", profit_override="30000", transition_profit="50000")
    row = _line(text, "Transition profit taxed this year")
    assert 'href="#sa-confirm-transition"' in row and "SA103F 73.3" in row
    assert _marked(text) == ["sa-confirm-transition"]
    note = _notes(text)["sa-confirm-transition"]
    assert note.startswith("Transition profit taxed in 2025/26: £10,000.00")
    assert "from your 2023/24 return" in note and "a fifth of it is taxed each year" in note
    assert "earlier years are those entered here" in note
    assert "The extra" not in note
    box = _box(text)
    assert "This estimate rests on figures you entered and on a reading of the rules" in box
    assert "announced" not in box

    pdf_text = _pdf_text(client, "2025/26")
    assert "Figures still to be confirmed" in pdf_text
    assert "Transition profit taxed this year " + MARK in pdf_text
    assert "Transition profit taxed in 2025/26: £10,000.00" in pdf_text
    assert "a year you did not enter counts as none" in pdf_text

    # The transition profit taken away: no share, no note, no box.
    text = _post(client, "2025/26", profit_override="30000", transition_profit="")
    assert "Transition profit taxed" not in text and HEADING not in text and MARK not in text
    pdf_text = _pdf_text(client, "2025/26")
    assert "Transition profit" not in pdf_text and MARK not in pdf_text


def test_transition_extra_elected_this_year_is_named(client, signed_in):
    text = _post(
        client,
        "2024/25",
        profit_override="30000",
        transition_profit="50000",
        transition_accelerated="25000",
    )
    note = _notes(text)["sa-confirm-transition"]
    assert "Transition profit taxed in 2024/25: £35,000.00" in note
    assert "The extra £25,000.00 this year is the amount you entered as elected" in note
    assert "The extra £25,000.00 this year" in _pdf_text(client, "2024/25")


def test_hybrid_writing_down_allowance_line_is_marked(client, signed_in):
    # A 31 December accounting date: the year to 31 December 2026 spans 6 April 2026, and
    # the main pool is written down at the blended rate.
    text = _post(
        client,
        "2026/27",
        profit_override="20000",
        accounting_end_month="12",
        accounting_end_day="31",
        main_pool="10000",
    )
    anchor = "sa-confirm-wda-2026-01-01"
    row = _line(text, "Writing-down allowances")
    assert f'href="#{anchor}"' in row
    assert "15.05%" in _notes(text)[anchor]
    assert _marked(text) == [anchor, "sa-confirm-class2"]
    pdf_text = _pdf_text(client, "2026/27")
    assert "Writing-down allowances " + MARK in pdf_text
    assert "a blended rate of 15.05% is used" in pdf_text


def test_hybrid_rate_on_a_cars_own_pool_marks_that_line(client, signed_in):
    # A 40 g/km car with private use has its own pool at the main rate: in the year to 31
    # December 2026 its allowance is worked at the blended rate, in the next year at 14%.
    token = client.csrf_token(PAGE + "?year=2026/27")
    car = {
        "asset-description": "Blue estate",
        "asset-kind": "car",
        "asset-cost": "20000",
        "asset-co2": "40",
        "asset-business_percent": "60",
        "asset-bought_year": "2024",
        "year": "2026/27",
    }
    response = client.post(
        PAGE + "/assets", data={"asset-csrf_token": token, "csrf_token": token, **car}
    )
    assert response.status_code == 302
    text = _post(
        client,
        "2026/27",
        profit_override="20000",
        accounting_end_month="12",
        accounting_end_day="31",
    )
    anchor = "sa-confirm-wda-2026-01-01"
    assert "Writing-down allowances" not in text  # all of it is on the car's own lines
    own = [
        _line(text[at:], "Own pool: Blue estate") for at in _starts(text, "Own pool: Blue estate")
    ]
    assert len(own) == 2  # one for each accounting period
    assert f'href="#{anchor}"' in own[0] and "to-confirm" not in own[1]
    assert _marked(text) == [anchor, "sa-confirm-class2"]
    assert "15.05%" in _notes(text)[anchor]
    pdf_text = _pdf_text(client, "2026/27")
    assert pdf_text.count(MARK) == 2
    assert "a blended rate of 15.05% is used" in pdf_text


def _starts(text, start):
    return [m.start() for m in re.finditer(re.escape(start), text)]
