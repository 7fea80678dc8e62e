"""Clients: add, see, edit, search, sort, page through, archive and delete."""

from __future__ import annotations

import html
import uuid

import pytest
import sqlalchemy as sa

from minimin.contacts.models import Client
from tests.functional.contacts.conftest import count_rows, form_error, text_of

VALID = {
    "name": "Acme Studios Ltd",
    "kind": "company",
    "contact_name": "Jo Bloggs",
    "email": "Accounts@Acme.example.com",
    "phone": "020 7946 0000",
    "address_line1": "1 High Street",
    "address_line2": "",
    "town": "London",
    "postcode": "sw1a1aa",
    "country": "GB",
    "vat_number": "980 7806 84",
    "payment_terms_days": "30",
    "notes": "Pays on the 1st.\nAsk for Jo.",
}


def _load(app, client_id):
    from minimin.extensions import db

    with app.app_context():
        obj = db.session.get(Client, client_id)
        db.session.expunge(obj)
        return obj


def test_add_a_client_normalises_and_shows_it(app, signed_in):
    response = signed_in.submit("/clients/new", VALID)
    assert response.status_code == 302
    client_id = uuid.UUID(response.headers["Location"].rsplit("/", 1)[1])
    saved = _load(app, client_id)
    assert saved.name == "Acme Studios Ltd"
    assert saved.is_business
    assert saved.postcode == "SW1A 1AA"
    assert saved.vat_number == "GB980780684"
    assert saved.phone == "+44 20 7946 0000"
    assert saved.payment_terms_days == 30
    assert saved.notes == "Pays on the 1st.\nAsk for Jo."
    assert saved.address_line2 is None
    page = signed_in.get(f"/clients/{client_id}").get_data(as_text=True)
    assert "Acme Studios Ltd" in page and "SW1A 1AA" in page and "GB980780684" in page
    assert "30 days" in text_of(page)


def test_individual_client_is_not_a_business(app, signed_in):
    response = signed_in.submit("/clients/new", {**VALID, "kind": "individual", "vat_number": ""})
    saved = _load(app, uuid.UUID(response.headers["Location"].rsplit("/", 1)[1]))
    assert saved.kind == "individual" and not saved.is_business


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Enter the client's name."),
        ("name", "   ", "Enter the client's name."),
        ("name", "x" * 201, "Field cannot be longer than 200 characters."),
        ("kind", "robot", "Choose whether the client is a business."),
        ("email", "not-an-email", "Enter an email address like name@example.com."),
        ("phone", "call me", "Enter a phone number"),
        ("phone", "0207 946 000", "This phone number is not valid"),
        ("postcode", "NOT A POSTCODE", "Enter a UK postcode, for example SW1A 1AA."),
        ("country", "XX", "Choose a country from the list."),
        ("vat_number", "GB980780685", "This is not a valid UK VAT number"),
        ("vat_number", "DE123", "This is not a valid VAT number."),
        ("payment_terms_days", "thirty", "whole number of days"),
        ("payment_terms_days", "-5", "whole number of days"),
        ("payment_terms_days", "366", "at most 365 days"),
        ("notes", "x" * 5001, "Field cannot be longer than 5000 characters."),
        ("town", "Lon\r\ndon", "Remove the control characters"),
        ("contact_name", "Jo\x00", "Remove the null character"),
    ],
)
def test_each_field_has_a_specific_message_and_nothing_is_stored(
    app, signed_in, field, value, message
):
    response = signed_in.submit("/clients/new", {**VALID, field: value})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert form_error(body)
    assert message in body
    assert count_rows(app, Client) == 0


def test_a_foreign_postcode_is_not_checked_as_a_uk_one(app, signed_in):
    data = {
        **VALID,
        "country": "FR",
        "postcode": "75001",
        "phone": "+33 1 42 68 53 00",
        "vat_number": "FR40303265045",
    }
    response = signed_in.submit("/clients/new", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    saved = _load(app, uuid.UUID(response.headers["Location"].rsplit("/", 1)[1]))
    assert (saved.postcode, saved.country, saved.vat_number) == ("75001", "FR", "FR40303265045")
    assert saved.address_lines[-1] == "France"


def test_edit_a_client(app, signed_in, owner, add_client):
    client_id = add_client(owner, name="Old Name")
    form = signed_in.get(f"/clients/{client_id}/edit").get_data(as_text=True)
    assert 'value="Old Name"' in form
    response = signed_in.submit(f"/clients/{client_id}/edit", {**VALID, "name": "New Name"})
    assert response.status_code == 302
    assert _load(app, client_id).name == "New Name"


def test_invalid_edit_changes_nothing(app, signed_in, owner, add_client):
    client_id = add_client(owner, name="Keep Me", email="keep@example.com")
    response = signed_in.submit(
        f"/clients/{client_id}/edit", {**VALID, "name": "Changed", "email": "bad"}
    )
    assert response.status_code == 400
    saved = _load(app, client_id)
    assert (saved.name, saved.email) == ("Keep Me", "keep@example.com")


def test_search_is_case_insensitive_over_name_contact_and_email(signed_in, owner, add_client):
    add_client(owner, name="Bright Lights Ltd")
    add_client(owner, name="Other Co", contact_name="Sam BRIGHTON")
    add_client(owner, name="Third Co", email="hello@brightside.example")
    add_client(owner, name="Unrelated")
    body = signed_in.get("/clients?q=bright").get_data(as_text=True)
    for name in ("Bright Lights Ltd", "Other Co", "Third Co"):
        assert name in body
    assert "Unrelated" not in body
    assert "3 clients" in body


def test_search_treats_like_wildcards_literally(signed_in, owner, add_client):
    add_client(owner, name="100% Studio")
    add_client(owner, name="Plain Studio")
    body = signed_in.get("/clients?q=%25").get_data(as_text=True)
    assert "100% Studio" in body and "Plain Studio" not in body


def test_sorting_by_name_terms_and_created(signed_in, owner, add_client):
    add_client(owner, name="Bravo", payment_terms_days=60)
    add_client(owner, name="Alpha", payment_terms_days=14)
    add_client(owner, name="Charlie", payment_terms_days=30)

    def order(query):
        body = signed_in.get(f"/clients{query}").get_data(as_text=True)
        return sorted(("Alpha", "Bravo", "Charlie"), key=body.index)

    assert order("") == ["Alpha", "Bravo", "Charlie"]
    assert order("?dir=desc") == ["Charlie", "Bravo", "Alpha"]
    assert order("?sort=terms") == ["Alpha", "Charlie", "Bravo"]
    assert order("?sort=terms&dir=desc") == ["Bravo", "Charlie", "Alpha"]
    assert order("?sort=created") == ["Bravo", "Alpha", "Charlie"]
    # Nonsense parameters fall back to the defaults instead of failing.
    response = signed_in.get("/clients?sort=evil%00&dir=sideways&page=-4")
    assert response.status_code == 200


def test_pagination_50_per_page(app, signed_in, owner):
    from minimin.extensions import db

    with app.app_context():
        db.session.execute(
            sa.insert(Client),
            [
                {
                    "id": uuid.uuid4(),
                    "user_id": owner.id,
                    "name": f"Client {i:03d}",
                    "kind": "company",
                    "country": "GB",
                }
                for i in range(120)
            ],
        )
        db.session.commit()
    first = signed_in.get("/clients").get_data(as_text=True)
    assert "Client 000" in first and "Client 049" in first and "Client 050" not in first
    assert "Page 1 of 3" in first
    third = signed_in.get("/clients?page=3").get_data(as_text=True)
    assert "Client 100" in third and "Client 119" in third and "Client 099" not in third
    # A page past the end shows the last page.
    assert "Client 119" in signed_in.get("/clients?page=99").get_data(as_text=True)


def test_archive_and_unarchive(app, signed_in, owner, add_client):
    client_id = add_client(owner, name="Seasonal Client")
    response = signed_in.submit(f"/clients/{client_id}/archive", form_page=f"/clients/{client_id}")
    assert response.status_code == 302
    assert "archived" in signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert _load(app, client_id).archived_at is not None
    assert "Seasonal Client" not in signed_in.get("/clients").get_data(as_text=True)
    assert "Seasonal Client" in signed_in.get("/clients?archived=1").get_data(as_text=True)
    signed_in.submit(f"/clients/{client_id}/unarchive", form_page=f"/clients/{client_id}")
    assert _load(app, client_id).archived_at is None
    assert "Seasonal Client" in signed_in.get("/clients").get_data(as_text=True)


def test_archive_needs_the_csrf_token(app, signed_in, owner, add_client):
    client_id = add_client(owner)
    response = signed_in.post(f"/clients/{client_id}/archive")
    assert response.status_code == 400
    assert _load(app, client_id).archived_at is None


def test_delete_asks_for_confirmation_then_deletes(app, signed_in, owner, add_client):
    client_id = add_client(owner, name="Short Lived")
    page = signed_in.get(f"/clients/{client_id}/delete").get_data(as_text=True)
    assert "cannot be undone" in page
    assert count_rows(app, Client) == 1
    response = signed_in.submit(f"/clients/{client_id}/delete")
    assert response.status_code == 302
    assert count_rows(app, Client) == 0
    assert "Short Lived was deleted." in html.unescape(
        signed_in.get(response.headers["Location"]).get_data(as_text=True)
    )
