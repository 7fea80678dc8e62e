"""The remittance list: search by reference or agency (any case), column headers that sort and
say so (aria-sort), and the CSV download of the same selection (formula-safe)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from typing import Any


def test_search_sort_and_csv(client: Any, app: Any, make_user: Any, login: Any) -> None:
    from minimin.contacts.models import Agency
    from minimin.extensions import db
    from tests.unit.reports.conftest import Books

    user = make_user()
    login(client, user)
    with app.app_context():
        books = Books(db, user.id)
        other = Agency(user_id=user.id, name="=Storm Models")
        db.session.add(other)
        db.session.flush()
        books.agency_income(date(2026, 5, 1), 50000, commission=10000)
        books.agency_income(date(2026, 6, 1), 20000, agency_id=other.id)
        db.session.commit()

    def agencies(page: str) -> list[str]:
        return re.findall(r"<td>(Top Models|=Storm Models)</td>", page)

    page = client.get("/remittances").get_data(as_text=True)
    assert agencies(page) == ["=Storm Models", "Top Models"]  # newest first
    assert 'aria-sort="descending"' in page
    assert agencies(client.get("/remittances?q=STORM").get_data(as_text=True)) == ["=Storm Models"]
    page = client.get("/remittances?sort=net").get_data(as_text=True)
    assert agencies(page) == ["Top Models", "=Storm Models"]  # largest first
    assert 'href="/remittances?sort=net&amp;dir=asc"' in page

    response = client.get("/remittances/export.csv?sort=agency&dir=asc")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert [(r[1], r[6]) for r in rows[1:]] == [
        ("'=Storm Models", "200.00"),
        ("Top Models", "400.00"),
    ]
