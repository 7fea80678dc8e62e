"""The Self Assessment page (and its PDF) names the figures the estimate used that are still
to be confirmed against HMRC's published rates: the 2026/27 Plan 4 threshold (£33,795) for a
Plan 4 borrower; nothing for 2025/26, whose figures are checked (cases of which figures apply:
tests/unit/reports/test_sa_provisional.py)."""

from __future__ import annotations

import io

import pdfplumber

PAGE = "/reports/self-assessment"
HEADING = '<h2 id="sa-provisional">Figures still to be confirmed</h2>'


def _post(client, year):
    data = {
        "tax_year": year,
        "regime": "ruk",
        "basis": "cash",
        "profit_override": "40000",
        "student_loan_plan": "plan4",
    }
    response = client.submit(PAGE, data)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_plan4_threshold_is_flagged_for_2026_27_and_not_for_2025_26(client, signed_in):
    text = _post(client, "2026/27")
    assert 'aria-labelledby="sa-provisional"' in text and HEADING in text
    box = text[text.index(HEADING) :]
    box = box[: box.index("</section>")]
    assert "Plan 4 student loan threshold for 2026/27: £33,795.00" in box
    assert "You or your accountant should check each one before you file." in box
    assert "%%" not in box

    # The PDF of the kept figures carries the same notice.
    response = client.get(PAGE + ".pdf?year=2026/27")
    assert response.status_code == 200
    with pdfplumber.open(io.BytesIO(response.data)) as pdf:
        pdf_text = " ".join(" ".join(p.extract_text() or "" for p in pdf.pages).split())
    assert "Figures still to be confirmed" in pdf_text
    assert "£33,795.00" in pdf_text

    earlier = _post(client, "2025/26")
    assert "sa-provisional" not in earlier and "Figures still to be confirmed" not in earlier
    assert "£32,745.00" in earlier  # the 2025/26 threshold is still used, unflagged
