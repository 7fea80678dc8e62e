"""Hostile values that used to answer 500, each in the place it was found."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from tests.functional.invoices.conftest import business, draft_data  # noqa: F401


def _count(app: Any, table: str) -> int:
    from minimin.extensions import db

    with app.app_context():
        count = db.session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608
        db.session.remove()
    return int(count)


def test_a_superscript_exchange_rate_is_a_field_error(
    client: Any,
    business: Any,  # noqa: F811
    login: Any,
    app: Any,
) -> None:
    user = business()
    login(client, user)
    for rate in ("²", "1.²", "٣", "NaN", "1e5"):
        data = draft_data(
            user.client_id, [("Day", "1", "100", "standard")], currency="EUR", exchange_rate=rate
        )
        response = client.submit("/invoices/new", data)
        assert response.status_code == 400, (rate, response.status_code)
        assert "Enter the exchange rate in figures" in response.get_data(as_text=True)
    assert _count(app, "invoice") == 0


def test_deeply_nested_json_to_passkey_sign_in_is_refused(client: Any) -> None:
    token = client.csrf_token("/login/passkey")
    options = client.post("/login/passkey/options", data={"csrf_token": token, "next": ""})
    assert options.status_code == 200
    body = "[" * 20_000 + "]" * 20_000  # under the size limit, past the parser's depth
    response = client.post(
        "/login/passkey/verify",
        data=body,
        content_type="application/json",
        headers={"X-CSRFToken": token, "Accept": "application/json"},
    )
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert "did not send a passkey" in response.get_json()["detail"]


def _page_form(client: Any, page: str, action: str) -> dict[str, str]:
    """The values the page's form posting to *action* holds, as a browser would send them."""
    import lxml.html

    document = lxml.html.fromstring(client.get(page).get_data(as_text=True))
    for form in document.forms:
        if (form.get("action") or page) == action:
            return {name: value for name, value in form.form_values() if name}
    raise AssertionError(f"no form posting to {action} on {page}")


def _profile_row(app: Any, user_id: Any) -> tuple[Any, ...]:
    from minimin.extensions import db

    with app.app_context():
        row = db.session.execute(
            sa.text(
                "SELECT invoice_padding, payment_terms_days FROM business_profile "
                "WHERE user_id = :u"
            ),
            {
                "u": user_id.hex
                if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
                else user_id
            },
        ).one()
        db.session.remove()
    return tuple(row)


def test_spaces_only_in_required_numbers_are_field_errors(
    client: Any,
    business: Any,  # noqa: F811
    login: Any,
    app: Any,
) -> None:
    user = business()
    login(client, user)
    page, action = "/settings/business/invoicing", "/settings/business/invoices"
    before = _profile_row(app, user.id)
    for name in ("invoice_padding", "payment_terms_days"):
        data = {**_page_form(client, page, action), name: "   "}
        response = client.post(action, data=data)
        assert response.status_code == 400, (name, response.status_code)
        assert "Enter a number, like" in response.get_data(as_text=True)
    assert _profile_row(app, user.id) == before


def test_spaces_only_commission_is_a_field_error(
    client: Any,
    business: Any,  # noqa: F811
    login: Any,
    app: Any,
) -> None:
    login(client, business())
    before = _count(app, "agency")
    page = "/agencies/new"
    data = {
        **_page_form(client, page, page),
        "name": "Spaces Agency",
        "default_commission_percent": " \t ",
    }
    response = client.post(page, data=data)
    assert response.status_code == 400, response.status_code
    assert "Enter a percentage, for example 15." in response.get_data(as_text=True)
    assert _count(app, "agency") == before
