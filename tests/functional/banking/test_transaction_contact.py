"""Setting the client and the agency of one bank transaction from its page, not only through
rules: the user's own clients and agencies only, bad input changes nothing."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from flask import Flask


def contacts_of(app: Flask, txn_id: Any) -> tuple[Any, ...]:
    from minimin.banking.models import BankTransaction
    from minimin.extensions import db

    with app.app_context():
        txn = db.session.get(BankTransaction, txn_id)
        values = (txn.client_id, txn.agency_id, txn.category, txn.category_source)
        db.session.rollback()
        return values


def set_contact(client: Any, txn_id: Any, client_id: Any = "", agency_id: Any = "") -> Any:
    return client.submit(
        f"/banking/transactions/{txn_id}/contact",
        {"client_id": str(client_id), "agency_id": str(agency_id)},
        form_page=f"/banking/transactions/{txn_id}",
    )


@pytest.fixture
def other_client(app: Flask, owner: Any) -> uuid.UUID:
    from minimin.contacts.models import Client
    from minimin.extensions import db

    with app.app_context():
        second = Client(user_id=owner.id, name="Bloggs Design", email="b@bloggs.example")
        db.session.add(second)
        db.session.commit()
        return second.id


def test_client_and_agency_are_set_and_cleared_from_the_transaction_page(
    app: Flask, signed_in: Any, owner: Any, make_txn: Any, other_client: Any, account: Any
) -> None:
    txn = make_txn(50_000, counterparty="BLOGGS DESIGN")
    page = signed_in.get(f"/banking/transactions/{txn}").text
    assert f'action="/banking/transactions/{txn}/contact"' in page
    assert "Bloggs Design" in page and "Top Models Agency" in page

    response = set_contact(signed_in, txn, other_client, owner.agency_id)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/banking/transactions/{txn}")
    assert contacts_of(app, txn) == (other_client, owner.agency_id, None, None)
    page = signed_in.get(f"/banking/transactions/{txn}").text
    assert "Client and agency saved." in page
    assert re.search(r"<dt>Client</dt><dd>Bloggs Design</dd>", page)
    assert re.search(r"<dt>Agency</dt><dd>Top Models Agency</dd>", page)
    chosen = rf'<option selected value="{other_client}"|value="{other_client}" selected'
    assert re.search(chosen, page)
    listing = signed_in.get(f"/banking/accounts/{account}").text
    assert "Bloggs Design" in listing and "Top Models Agency" in listing

    # Only the client now; then neither.
    set_contact(signed_in, txn, owner.client_id, "")
    assert contacts_of(app, txn)[:2] == (owner.client_id, None)
    set_contact(signed_in, txn)
    assert contacts_of(app, txn)[:2] == (None, None)


def test_the_category_and_the_contacts_are_kept_apart(
    app: Flask, signed_in: Any, owner: Any, make_txn: Any
) -> None:
    txn = make_txn(-1_500, counterparty="ACME")
    signed_in.submit(
        f"/banking/transactions/{txn}/category",
        {"category": "office"},
        form_page=f"/banking/transactions/{txn}",
    )
    set_contact(signed_in, txn, owner.client_id)
    assert contacts_of(app, txn) == (owner.client_id, None, "office", "user")
    signed_in.submit(
        f"/banking/transactions/{txn}/category",
        {"category": "travel"},
        form_page=f"/banking/transactions/{txn}",
    )
    assert contacts_of(app, txn) == (owner.client_id, None, "travel", "user")


def test_bad_or_foreign_choices_change_nothing(
    app: Flask, signed_in: Any, owner: Any, intruder: Any, make_txn: Any
) -> None:
    from minimin.banking import services
    from minimin.banking.models import BankTransaction
    from minimin.contacts.models import Agency, Client
    from minimin.extensions import db

    with app.app_context():
        theirs = Client(user_id=intruder.id, name="Their Client", email="t@their.example")
        their_agency = Agency(user_id=intruder.id, name="Their Agency", email="a@their.example")
        db.session.add_all([theirs, their_agency])
        db.session.commit()
        their_ids = (theirs.id, their_agency.id)
    txn = make_txn(50_000)
    set_contact(signed_in, txn, owner.client_id, owner.agency_id)
    before = contacts_of(app, txn)
    for client_id, agency_id in (
        (their_ids[0], ""),
        ("", their_ids[1]),
        (uuid.uuid4(), ""),
        ("not-a-uuid", ""),
        ("", "x" * 5000),
        (owner.agency_id, ""),  # an agency's id is not a client's
        ("\x00", ""),
    ):
        response = set_contact(signed_in, txn, client_id, agency_id)
        assert response.status_code == 302, (client_id, agency_id)
        page = signed_in.get(f"/banking/transactions/{txn}").text
        assert "Choose a client and an agency from the lists." in page
        assert contacts_of(app, txn) == before
    # Without a CSRF token: refused.
    response = signed_in.post(
        f"/banking/transactions/{txn}/contact", data={"client_id": "", "agency_id": ""}
    )
    assert response.status_code == 400
    assert contacts_of(app, txn) == before
    # The service refuses another user's client whatever the form offered.
    with app.app_context():
        row = db.session.get(BankTransaction, txn)
        with pytest.raises(services.BankingError):
            services.set_contacts(row, services.ContactInput(client_id=their_ids[0]))
        with pytest.raises(services.BankingError):
            services.set_contacts(row, services.ContactInput(agency_id=their_ids[1]))
        db.session.rollback()
    assert contacts_of(app, txn) == before


def test_another_users_transaction_is_404(
    app: Flask, client: Any, login: Any, intruder: Any, owner: Any, make_txn: Any
) -> None:
    txn = make_txn(50_000)
    login(client, intruder)
    response = client.submit(
        f"/banking/transactions/{txn}/contact",
        {"client_id": "", "agency_id": ""},
        form_page="/banking/rules",
    )
    assert response.status_code == 404
    assert contacts_of(app, txn) == (None, None, None, None)


def test_an_archived_client_stays_on_its_transaction(
    app: Flask, signed_in: Any, owner: Any, make_txn: Any
) -> None:
    from minimin.contacts.models import Client
    from minimin.core.db import utcnow
    from minimin.extensions import db

    txn = make_txn(50_000)
    other = make_txn(60_000)
    set_contact(signed_in, txn, owner.client_id)
    with app.app_context():
        db.session.get(Client, owner.client_id).archived_at = utcnow()
        db.session.commit()
    assert "Acme Studios Ltd" in signed_in.get(f"/banking/transactions/{txn}").text
    # Saving the page again (now adding the agency) keeps it.
    set_contact(signed_in, txn, owner.client_id, owner.agency_id)
    assert contacts_of(app, txn)[:2] == (owner.client_id, owner.agency_id)
    # An archived client is not offered for another transaction.
    assert "Acme Studios Ltd" not in signed_in.get(f"/banking/transactions/{other}").text


def test_names_on_the_transaction_page_are_escaped(
    app: Flask, signed_in: Any, owner: Any, make_txn: Any
) -> None:
    from minimin.contacts.models import Client
    from minimin.extensions import db

    with app.app_context():
        db.session.get(Client, owner.client_id).name = "<img src=x onerror=alert(1)>"
        db.session.commit()
    txn = make_txn(50_000)
    set_contact(signed_in, txn, owner.client_id)
    page = signed_in.get(f"/banking/transactions/{txn}").text
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_a_rule_applied_later_leaves_the_users_choice_of_contacts(
    app: Flask, signed_in: Any, owner: Any, make_txn: Any, other_client: Any
) -> None:
    """Contacts chosen (or cleared) on the transaction's page stay so when rules run later,
    the empty one included; a transaction the user never touched gets the rule's."""
    response = signed_in.submit(
        "/banking/rules",
        {
            "match_kind": "contains",
            "pattern": "bloggs",
            "direction": "any",
            "min_amount": "",
            "max_amount": "",
            "category": "",
            "client_id": str(other_client),
            "agency_id": str(owner.agency_id),
        },
    )
    assert response.status_code == 302
    cleared = make_txn(40_000, counterparty="BLOGGS DESIGN")
    chosen = make_txn(41_000, counterparty="BLOGGS DESIGN")
    untouched = make_txn(42_000, counterparty="BLOGGS DESIGN")
    set_contact(signed_in, cleared)
    set_contact(signed_in, chosen, owner.client_id)
    response = signed_in.submit("/banking/rules/apply", form_page="/banking/rules")
    assert response.status_code == 302
    assert contacts_of(app, cleared)[:2] == (None, None)
    assert contacts_of(app, chosen)[:2] == (owner.client_id, None)
    assert contacts_of(app, untouched)[:2] == (other_client, owner.agency_id)
