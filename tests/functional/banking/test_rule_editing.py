"""Categorisation rules: editing (the same checks as adding) and the order they are tried in
(shown on the page, changed with move up / move down, and the order the rules apply in)."""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

BLANK = {
    "match_kind": "contains",
    "pattern": "",
    "direction": "any",
    "min_amount": "",
    "max_amount": "",
    "category": "",
    "client_id": "",
    "agency_id": "",
}


def add_rule(client: Any, **fields: str) -> None:
    response = client.submit("/banking/rules", {**BLANK, **fields})
    assert response.status_code == 302, response.text


def stored_rules(app: Flask, owner: Any) -> list[dict[str, Any]]:
    """The owner's rules, in the order they are tried, as plain values."""
    from minimin.banking import services
    from minimin.extensions import db

    with app.app_context():
        found = services.ordered_rules(owner.id)
        values = [
            {
                "id": r.id,
                "position": r.position,
                "match_kind": r.match_kind,
                "pattern": r.pattern,
                "direction": r.direction,
                "min_pence": r.min_pence,
                "max_pence": r.max_pence,
                "category": r.category,
                "client_id": r.client_id,
                "agency_id": r.agency_id,
            }
            for r in found
        ]
        db.session.rollback()
        return values


def page_order(html: str) -> list[str]:
    """The patterns in the order the rules page lists them."""
    return re.findall(r"contains “([^”]*)”", html)


def test_a_rule_is_edited_with_its_values_shown_and_keeps_its_place(
    app: Flask, signed_in: Any, owner: Any
) -> None:
    add_rule(signed_in, pattern="tfl", category="travel", direction="out")
    add_rule(
        signed_in, pattern="spotlight", category="advertising", min_amount="10", max_amount="500"
    )
    first, second = stored_rules(app, owner)
    page = signed_in.get(f"/banking/rules/{second['id']}/edit")
    assert page.status_code == 200
    assert 'value="spotlight"' in page.text
    assert 'value="10.00"' in page.text and 'value="500.00"' in page.text
    selected = r'<option selected value="advertising"|value="advertising" selected'
    assert re.search(selected, page.text)

    response = signed_in.submit(
        f"/banking/rules/{second['id']}/edit",
        {
            **BLANK,
            "match_kind": "regex",
            "pattern": r"^spotlight\b",
            "direction": "out",
            "min_amount": "",
            "max_amount": "250",
            "category": "",
            "client_id": str(owner.client_id),
            "agency_id": str(owner.agency_id),
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/banking/rules")
    after = stored_rules(app, owner)
    assert [r["id"] for r in after] == [first["id"], second["id"]]
    edited = after[1]
    assert edited["position"] == second["position"]
    assert (edited["match_kind"], edited["pattern"], edited["direction"]) == (
        "regex",
        r"^spotlight\b",
        "out",
    )
    assert (edited["min_pence"], edited["max_pence"]) == (None, 25_000)
    assert edited["category"] is None
    assert (edited["client_id"], edited["agency_id"]) == (owner.client_id, owner.agency_id)
    assert after[0] == first
    listing = signed_in.get("/banking/rules").text
    assert "client Acme Studios Ltd" in listing and "agency Top Models Agency" in listing


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"match_kind": "regex", "pattern": "(unclosed"}, "not a valid regular expression"),
        ({"match_kind": "regex", "pattern": "(a|aa)+$"}, "too slow"),
        ({"match_kind": "regex", "pattern": "a" * 201}, "200"),
        ({"match_kind": "contains", "pattern": ""}, "Enter the text"),
        ({"match_kind": "any", "pattern": ""}, "needs an amount range"),
        ({"pattern": "a\x00b"}, "null character"),
        ({"min_amount": "NaN"}, ""),
        ({"min_amount": "20", "max_amount": "10"}, "The lowest amount is more than the highest"),
        ({"category": "not-a-category"}, ""),
        ({"match_kind": "sql"}, ""),
        ({"direction": "sideways"}, ""),
        ({"category": "", "client_id": "", "agency_id": ""}, "Choose a category, a client"),
        ({"client_id": "not-a-uuid"}, ""),
    ],
)
def test_editing_refuses_what_adding_refuses_and_changes_nothing(
    app: Flask, signed_in: Any, owner: Any, fields: dict[str, str], message: str
) -> None:
    add_rule(signed_in, pattern="tfl", category="travel")
    (before,) = stored_rules(app, owner)
    data = {**BLANK, "pattern": "pret", "category": "other", **fields}
    response = signed_in.submit(f"/banking/rules/{before['id']}/edit", data)
    assert response.status_code == 400
    assert message in response.text
    assert stored_rules(app, owner) == [before]


def test_another_users_client_cannot_be_set_by_a_rule(
    app: Flask, signed_in: Any, owner: Any, intruder: Any
) -> None:
    from minimin.contacts.models import Agency, Client
    from minimin.extensions import db

    with app.app_context():
        theirs = Client(user_id=intruder.id, name="Their Client", email="t@their.example")
        their_agency = Agency(user_id=intruder.id, name="Their Agency", email="a@their.example")
        db.session.add_all([theirs, their_agency])
        db.session.commit()
        client_id, agency_id = str(theirs.id), str(their_agency.id)
    add_rule(signed_in, pattern="tfl", category="travel")
    (before,) = stored_rules(app, owner)
    for field, value in (("client_id", client_id), ("agency_id", agency_id)):
        for path in ("/banking/rules", f"/banking/rules/{before['id']}/edit"):
            response = signed_in.submit(path, {**BLANK, "pattern": "x", field: value})
            assert response.status_code == 400
    assert stored_rules(app, owner) == [before]
    # The service refuses it too, whatever the form offered.
    from minimin.banking import services
    from minimin.banking.models import CategoryRule

    with app.app_context():
        rule = db.session.get(CategoryRule, before["id"])
        with pytest.raises(services.BankingError):
            services.update_rule(
                rule,
                services.RuleInput(
                    match_kind="contains", pattern="x", client_id=uuid.UUID(client_id)
                ),
            )
        db.session.rollback()


def test_a_rule_of_an_archived_client_can_still_be_edited(
    app: Flask, signed_in: Any, owner: Any
) -> None:
    from minimin.contacts.models import Client
    from minimin.core.db import utcnow
    from minimin.extensions import db

    add_rule(signed_in, pattern="acme", client_id=str(owner.client_id))
    (before,) = stored_rules(app, owner)
    with app.app_context():
        db.session.get(Client, owner.client_id).archived_at = utcnow()
        db.session.commit()
    page = signed_in.get(f"/banking/rules/{before['id']}/edit")
    assert "Acme Studios Ltd" in page.text
    response = signed_in.submit(
        f"/banking/rules/{before['id']}/edit",
        {**BLANK, "pattern": "acme studios", "client_id": str(owner.client_id)},
    )
    assert response.status_code == 302
    assert stored_rules(app, owner)[0]["pattern"] == "acme studios"


def test_rules_are_listed_numbered_in_the_order_they_are_tried_and_move(
    app: Flask, signed_in: Any, owner: Any
) -> None:
    for pattern in ("alpha", "bravo", "charlie"):
        add_rule(signed_in, pattern=pattern, category="other")
    page = signed_in.get("/banking/rules").text
    assert page_order(page) == ["alpha", "bravo", "charlie"]
    assert "in the order below" in page
    ids = [r["id"] for r in stored_rules(app, owner)]

    def move(rule_id: Any, direction: str) -> Any:
        return signed_in.submit(f"/banking/rules/{rule_id}/move", {"direction": direction})

    assert move(ids[2], "up").status_code == 302
    assert page_order(signed_in.get("/banking/rules").text) == ["alpha", "charlie", "bravo"]
    assert [r["position"] for r in stored_rules(app, owner)] == [1, 2, 3]
    move(ids[2], "up")
    move(ids[0], "down")
    assert page_order(signed_in.get("/banking/rules").text) == ["charlie", "bravo", "alpha"]
    # At the ends a move changes nothing.
    move(ids[2], "up")
    move(ids[0], "down")
    assert [r["id"] for r in stored_rules(app, owner)] == [ids[2], ids[1], ids[0]]
    # Bad input: a message and nothing changed; no 500.
    before = stored_rules(app, owner)
    for direction in ("sideways", "", "up\x00"):
        response = move(ids[1], direction)
        assert response.status_code == 302
        assert "Move a rule up or down." in signed_in.get("/banking/rules").text
    assert stored_rules(app, owner) == before
    response = signed_in.submit(f"/banking/rules/{ids[1]}/move", {})
    assert response.status_code == 302
    assert stored_rules(app, owner) == before
    # Without a CSRF token the move is refused.
    unsigned = signed_in.post(f"/banking/rules/{ids[1]}/move", data={"direction": "up"})
    assert unsigned.status_code == 400
    assert stored_rules(app, owner) == before


def test_the_order_decides_which_rule_categorises(
    app: Flask, signed_in: Any, owner: Any, make_txn: Any
) -> None:
    from minimin.banking.models import BankTransaction
    from minimin.extensions import db

    add_rule(signed_in, pattern="amazon", category="goods")
    add_rule(signed_in, pattern="amazon web services", category="office")
    txn = make_txn(-2_000, day=date(2025, 3, 3), description="AMAZON WEB SERVICES EU")

    def categorise() -> str | None:
        with app.app_context():
            row = db.session.get(BankTransaction, txn)
            row.category = None
            db.session.commit()
        signed_in.submit("/banking/rules/apply", form_page="/banking/rules")
        with app.app_context():
            return db.session.scalar(
                sa.select(BankTransaction.category).where(BankTransaction.id == txn)
            )

    assert categorise() == "goods"  # the first rule wins
    specific = stored_rules(app, owner)[1]["id"]
    signed_in.submit(f"/banking/rules/{specific}/move", {"direction": "up"})
    assert categorise() == "office"


def test_a_new_rule_is_tried_last_after_a_delete(app: Flask, signed_in: Any, owner: Any) -> None:
    for pattern in ("alpha", "bravo", "charlie"):
        add_rule(signed_in, pattern=pattern, category="other")
    bravo = stored_rules(app, owner)[1]["id"]
    signed_in.submit(f"/banking/rules/{bravo}/delete", form_page="/banking/rules")
    add_rule(signed_in, pattern="delta", category="other")
    rules = stored_rules(app, owner)
    assert [r["pattern"] for r in rules] == ["alpha", "charlie", "delta"]
    assert rules[-1]["position"] > rules[-2]["position"]


def test_rule_pages_escape_names_and_patterns(app: Flask, signed_in: Any, owner: Any) -> None:
    from minimin.contacts.models import Client
    from minimin.extensions import db

    with app.app_context():
        db.session.get(Client, owner.client_id).name = "<script>alert(1)</script>"
        db.session.commit()
    add_rule(signed_in, pattern="<b>x</b>", client_id=str(owner.client_id))
    (rule,) = stored_rules(app, owner)
    for path in ("/banking/rules", f"/banking/rules/{rule['id']}/edit"):
        page = signed_in.get(path).text
        assert "<script>alert(1)</script>" not in page
        assert "<b>x</b>" not in page
        assert "&lt;script&gt;" in page
