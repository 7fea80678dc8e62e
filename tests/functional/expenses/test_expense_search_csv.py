"""The expense list: search by supplier or description (any case), column headers that sort
and say so (aria-sort), and the CSV download of the same selection (formula-safe)."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from minimin.expenses import services


def test_search_sort_and_csv(app: Any, signed_in: Any, owner: Any) -> None:
    from minimin.core.db import commit
    from minimin.extensions import db

    with app.app_context():
        for day, supplier, pence in (
            (date(2025, 5, 1), "Great Western Railway", 8640),
            (date(2025, 6, 1), "=cmd|' /C calc'!A0", 500),
            (date(2025, 7, 1), "Rymans", 1299),
        ):
            services.create_expense(
                owner.id,
                services.ExpenseInput(
                    date=day,
                    supplier=supplier,
                    amount_pence=pence,
                    category="travel",
                ),
            )
        commit(db.session)

    page = signed_in.get("/expenses/?q=RAILWAY").get_data(as_text=True)
    assert "1 expense" in page and "Great Western Railway" in page and "Rymans" not in page

    page = signed_in.get("/expenses/").get_data(as_text=True)
    assert 'aria-sort="descending"' in page  # newest first
    # Amount's header sorts largest first the first time it is chosen.
    assert 'href="/expenses/?sort=amount&amp;dir=desc"' in page
    page = signed_in.get("/expenses/?sort=amount&dir=asc").get_data(as_text=True)
    assert page.index("calc") < page.index("Rymans") < page.index("Great Western")
    assert 'href="/expenses/?sort=amount&amp;dir=desc"' in page
    # Older links keep working.
    old = signed_in.get("/expenses/?sort=amount_asc").get_data(as_text=True)
    assert old.index("calc") < old.index("Great Western")

    response = signed_in.get("/expenses/export.csv?sort=amount&dir=desc")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["Date", "Supplier", "Description"]
    assert [(r[1], r[6]) for r in rows[1:]] == [
        ("Great Western Railway", "86.40"),
        ("Rymans", "12.99"),
        ("'=cmd|' /C calc'!A0", "5.00"),
    ]


def test_mileage_search_date_order_and_csv(app: Any, signed_in: Any, owner: Any) -> None:
    from decimal import Decimal

    from minimin.core.db import commit
    from minimin.extensions import db

    with app.app_context():
        for day, origin, miles in (
            (date(2025, 5, 1), "Bristol", "9990"),
            (date(2025, 6, 1), "=Leeds", "20"),
        ):
            services.create_journey(
                owner.id,
                services.JourneyInput(
                    date=day,
                    origin=origin,
                    destination="London",
                    purpose="Casting",
                    miles=Decimal(miles),
                    vehicle="car_van",
                ),
            )
        commit(db.session)

    page = signed_in.get("/expenses/mileage?q=leeds").get_data(as_text=True)
    assert "=Leeds" in page and "Bristol" not in page
    # The Leeds journey is valued after the 9,990 miles before it: 10 at 45p, 10 at 25p.
    assert "£7.00" in page
    page = signed_in.get("/expenses/mileage?dir=desc").get_data(as_text=True)
    assert page.index("=Leeds") < page.index("Bristol")
    assert 'aria-sort="descending"' in page

    response = signed_in.get("/expenses/mileage.csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["Tax year", "Date", "From"]
    assert [(r[2], r[7]) for r in rows[1:]] == [("Bristol", "4495.50"), ("'=Leeds", "7.00")]
