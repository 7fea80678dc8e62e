"""Another user's clients and agencies do not exist for you; hostile input never gets in."""

from __future__ import annotations

import html
import re
import uuid
from urllib.parse import urlencode

import pytest

from minimin.contacts.models import Agency, AgencyCommissionRate, Client
from tests.functional.contacts.conftest import NAUGHTY, TEXT_FIELDS_ONE_LINE, count_rows

CANARY = "Canary-7f3a9c-Zebra"


def _contact_routes(app):
    """Every contacts route that addresses one record: (rule, argument name, methods)."""
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("contacts.") or not rule.arguments:
            continue
        (argument,) = rule.arguments
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        routes.append((rule.rule, argument, methods))
    return routes


def test_another_user_gets_404_on_every_client_and_agency_route(
    app, client, make_user, login, add_client, add_agency
):
    from decimal import Decimal

    owner = make_user(full_name="Owner")
    intruder = make_user(full_name="Intruder")
    ids = {
        "client_id": add_client(
            owner,
            name=f"{CANARY} client",
            email="canary-client@example.com",
            notes=f"{CANARY} notes",
        ),
        "agency_id": add_agency(
            owner,
            name=f"{CANARY} agency",
            contact_name=f"{CANARY} booker",
            rates={"editorial": Decimal("11")},
        ),
    }
    login(client, intruder)
    token = client.csrf_token("/clients/new")
    routes = _contact_routes(app)
    assert len(routes) >= 10  # detail, edit, archive, unarchive, delete for both
    for path, argument, methods in routes:
        url = path.replace(f"<{argument}>", str(ids[argument]))
        for method in methods:
            data = {"csrf_token": token, "name": "Taken Over", "default_commission_percent": "1"}
            response = client.open(url, method=method, data=data if method == "POST" else None)
            assert response.status_code == 404, (method, url, response.status_code)
            body = response.get_data(as_text=True)
            assert CANARY not in body and "canary-client" not in body, (method, url)
        # A malformed or unknown id is a 404 too, never a 500.
        for bad in ("not-a-uuid", str(uuid.uuid4()), "%00", "1 OR 1=1"):
            for method in methods:
                response = client.open(
                    path.replace(f"<{argument}>", bad),
                    method=method,
                    data={"csrf_token": token} if method == "POST" else None,
                )
                assert response.status_code == 404, (path, bad, method)
    # The intruder's lists do not show the owner's records either.
    for path in ("/clients", "/agencies", "/clients?q=canary", "/agencies?archived=1"):
        assert CANARY not in client.get(path).get_data(as_text=True)
    # And nothing of the owner's changed.
    from minimin.extensions import db

    with app.app_context():
        assert db.session.get(Client, ids["client_id"]).name == f"{CANARY} client"
        agency = db.session.get(Agency, ids["agency_id"])
        assert agency.name == f"{CANARY} agency" and agency.archived_at is None
        assert agency.rates_by_kind == {"editorial": Decimal("11")}


def test_anonymous_visitors_are_sent_to_sign_in(client, make_user, add_client):
    client_id = add_client(make_user())
    for path in ("/clients", "/agencies", f"/clients/{client_id}", "/agencies/new"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


CLIENT_BASE = {"name": "Base Client", "kind": "company", "country": "GB"}
AGENCY_BASE = {
    "name": "Base Agency",
    "country": "GB",
    "default_commission_percent": "20",
    "quoting": "fee_inclusive",
}
AGENCY_EXTRA_FIELDS = [
    "default_commission_percent",
    "agency_fee_percent",
    "mother_agency_name",
    "mother_agency_share_percent",
    "self_billing_start_date",
    "self_billing_review_date",
    "self_billing_vat_number",
    "rate_commercial",
]
ALL_FIELDS = [
    *TEXT_FIELDS_ONE_LINE,
    "notes",
    "country",
    "kind",
    "payment_terms_days",
    "quoting",
    *AGENCY_EXTRA_FIELDS,
]


def _post_raw(client, path, data):
    """POST form data the way a broken or hostile client may: lone surrogates as bytes."""
    body = urlencode(data, encoding="utf-8", errors="surrogatepass")
    return client.post(path, data=body, content_type="application/x-www-form-urlencoded")


def _check_hostile(app, client, path, base, field, value, models):
    token = getattr(client, "_token", None) or client.csrf_token(path)
    client._token = token
    response = _post_raw(client, path, {**base, field: value, "csrf_token": token})
    assert response.status_code in (302, 400), (field, value[:20], response.status_code)
    if response.status_code == 400:
        body = html.unescape(response.get_data(as_text=True))
        assert "There is a problem" in body, (field, value[:20])
        # The message names what is wrong, next to the field.
        assert re.search(r'class="error-message"|<legend>', body)
        for model in models:
            assert count_rows(app, model) == 0, (field, value[:20])
    else:
        # Accepted: stored faithfully, and shown escaped.
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in page
        from minimin.extensions import db

        with app.app_context():
            for model in models:
                db.session.query(model).delete()
            db.session.commit()


@pytest.mark.parametrize("field", [f for f in ALL_FIELDS if f not in AGENCY_EXTRA_FIELDS])
def test_hostile_strings_in_every_client_field(app, signed_in, field):
    for value in NAUGHTY:
        _check_hostile(app, signed_in, "/clients/new", CLIENT_BASE, field, value, [Client])


@pytest.mark.parametrize("field", [f for f in ALL_FIELDS if f != "kind"])
def test_hostile_strings_in_every_agency_field(app, signed_in, field):
    for value in NAUGHTY:
        _check_hostile(
            app,
            signed_in,
            "/agencies/new",
            {**AGENCY_BASE, "self_billing": "y", "self_billing_start_date": "2025-01-01"},
            field,
            value,
            [AgencyCommissionRate, Agency],
        )


def test_line_breaks_and_nul_in_one_line_fields_are_refused(app, signed_in):
    for field in TEXT_FIELDS_ONE_LINE:
        for value in ("a\r\nb", "a\nb", "a\x00b", "\ud800"):
            token = signed_in.csrf_token("/clients/new")
            response = _post_raw(
                signed_in, "/clients/new", {**CLIENT_BASE, field: value, "csrf_token": token}
            )
            if value == "\ud800":
                # Arrives as invalid UTF-8, which is decoded to U+FFFD: never a 500.
                assert response.status_code in (302, 400), field
            else:
                assert response.status_code == 400, (field, value)
    assert count_rows(app, Client) <= len(TEXT_FIELDS_ONE_LINE)


def test_a_one_megabyte_value_is_refused_cleanly(app, signed_in):
    response = signed_in.submit("/clients/new", {**CLIENT_BASE, "notes": "x" * 1_000_000})
    assert response.status_code in (400, 413)
    assert count_rows(app, Client) == 0


def test_hostile_search_and_paging_parameters(signed_in, owner, add_client):
    add_client(owner, name="Visible")
    for query in (
        "q=%00",
        "q=%ED%A0%80",
        "q=" + "x" * 5000,
        "page=abc",
        "page=99999999999999",
        "sort=name;drop",
        "q=%27%22%3Cscript%3E",
        "archived=%0D%0A",
    ):
        response = signed_in.get(f"/clients?{query}")
        assert response.status_code == 200, query
        assert "<script>" not in response.get_data(as_text=True)
        assert signed_in.get(f"/agencies?{query}").status_code == 200
