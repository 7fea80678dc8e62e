"""Kept pages (minimin.core.pagecache): the sign-in page and the invoice and job lists are
served again as rendered while nothing they show can have changed, each visitor with their own
CSRF token; any committed change, a waiting message, another user, language or page is
rendered afresh. Both databases."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from tests.statements import statements_of

TOKEN_RE = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


def _invoice(app: Any, user_id: uuid.UUID, customer: str) -> uuid.UUID:
    from minimin.extensions import db
    from minimin.invoices.models import Invoice

    with app.app_context():
        invoice = Invoice(
            user_id=user_id,
            customer_name=customer,
            currency="GBP",
            status="draft",
            net_pence=10000,
            vat_pence=0,
            total_pence=10000,
        )
        db.session.add(invoice)
        db.session.commit()
        return invoice.id


@pytest.fixture
def owner(make_user: Any) -> Any:
    return make_user()


@pytest.fixture
def signed_in(client: Any, owner: Any, login: Any) -> Any:
    login(client, owner)
    return client


def test_a_list_seen_again_is_served_kept_until_an_invoice_changes(
    app: Any, signed_in: Any, owner: Any
) -> None:
    _invoice(app, owner.id, "Acme Studios Ltd")
    first = signed_in.get("/invoices")
    assert first.status_code == 200 and "Acme Studios Ltd" in first.get_data(as_text=True)
    again, statements = statements_of(app, lambda: signed_in.get("/invoices"))
    assert again.get_data(as_text=True) == first.get_data(as_text=True)
    # The session and the change counters only: the list itself was not read again.
    assert len(statements) == 2 and not any("FROM invoice" in s for s in statements)

    _invoice(app, owner.id, "Bright Lights Agency")
    after, statements = statements_of(app, lambda: signed_in.get("/invoices"))
    body = after.get_data(as_text=True)
    assert "Bright Lights Agency" in body and "Acme Studios Ltd" in body
    assert any("FROM invoice" in s for s in statements)


def test_a_change_by_statement_is_seen_at_once(app: Any, signed_in: Any, owner: Any) -> None:
    from minimin.extensions import db
    from minimin.invoices.models import Invoice

    invoice_id = _invoice(app, owner.id, "Acme Studios Ltd")
    assert "Acme Studios Ltd" in signed_in.get("/invoices").get_data(as_text=True)
    with app.app_context():
        db.session.execute(
            sa.update(Invoice).where(Invoice.id == invoice_id).values(customer_name="Renamed Ltd")
        )
        db.session.commit()
    body = signed_in.get("/invoices").get_data(as_text=True)
    assert "Renamed Ltd" in body and "Acme Studios Ltd" not in body


def test_each_visitor_gets_their_own_token_and_it_signs_them_in(
    app: Any, client: Any, make_user: Any
) -> None:
    user = make_user()
    first, second = app.test_client(), app.test_client()
    first_page = first.get("/login").get_data(as_text=True)
    second_page = second.get("/login").get_data(as_text=True)
    first_tokens = set(TOKEN_RE.findall(first_page))
    second_tokens = set(TOKEN_RE.findall(second_page))
    assert len(first_tokens) == 1 and len(second_tokens) == 1
    assert first_tokens != second_tokens
    assert "csrf-slot" not in first_page + second_page
    # Apart from the tokens the page is the same: the second was the kept one.
    assert TOKEN_RE.sub("", first_page) == TOKEN_RE.sub("", second_page)
    answer = second.post(
        "/login",
        data={
            "email": user.email,
            "password": user.plain_password,
            "csrf_token": second_tokens.pop(),
        },
    )
    assert answer.status_code == 302
    # The first visitor's token is not the second's session's: refused.
    refused = second.post(
        "/login",
        data={"email": user.email, "password": "x", "csrf_token": first_tokens.pop()},
    )
    assert refused.status_code == 400


def test_language_waiting_messages_and_other_users_are_never_served_a_kept_page(
    app: Any, signed_in: Any, owner: Any, make_user: Any, login: Any
) -> None:
    _invoice(app, owner.id, "Acme Studios Ltd")
    signed_in.get("/invoices")
    signed_in.set_cookie("lang", "cy")
    welsh = signed_in.get("/invoices").get_data(as_text=True)
    assert 'lang="cy"' in welsh
    signed_in.delete_cookie("lang")
    assert 'lang="en-GB"' in signed_in.get("/invoices").get_data(as_text=True)

    # A message waiting to be shown is shown once, on the next page.
    with signed_in.session_transaction() as session:
        session["_flashes"] = [("success", "Saved just now.")]
    assert "Saved just now." in signed_in.get("/invoices").get_data(as_text=True)
    assert "Saved just now." not in signed_in.get("/invoices").get_data(as_text=True)

    other = app.test_client()
    login(other, make_user())
    theirs = other.get("/invoices").get_data(as_text=True)
    assert "Acme Studios Ltd" not in theirs


def test_pages_are_rendered_every_time_when_keeping_is_off(
    app: Any, signed_in: Any, owner: Any
) -> None:
    app.config["MINIMIN_KEEP_PAGES"] = False
    _invoice(app, owner.id, "Acme Studios Ltd")
    signed_in.get("/jobs")
    _, statements = statements_of(app, lambda: signed_in.get("/jobs"))
    assert any("FROM job" in s for s in statements)
