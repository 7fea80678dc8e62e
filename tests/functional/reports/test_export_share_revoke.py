"""The accountant's download links: listed on the export page, revocable one by one, all
revoked by a password change; a revoked link answers 404."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from minimin.core.dates import uk_today

NEW_PASSWORD = "saffron ladder quietly 1848 gulls"


def _share(client: Any, mailbox: Any) -> str:
    """Build an export, share it; returns the path of the emailed link."""
    from minimin.core.dates import TaxYear

    year = TaxYear.containing(uk_today())
    status_url = client.submit("/reports/export", {"tax_year": year.label}).headers["Location"]
    assert client.submit(status_url + "/share", {"confirm": "yes"}).status_code == 302
    link = mailbox.last_link("books@accountants.example")
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def _revoke_url(page: str) -> str:
    match = re.search(r'action="(/reports/export/shares/[0-9a-f-]{36}/revoke)"', page)
    assert match, "no Revoke button"
    return match.group(1)


def test_links_are_listed_and_a_revoked_link_is_404(
    app: Any, client: Any, trader: Any, mailbox: Any, make_user: Any, login: Any
) -> None:
    trader(accountant_email="books@accountants.example")
    path = _share(client, mailbox)
    stranger = app.test_client()
    assert stranger.get(path).status_code == 200

    page = client.get("/reports/export").get_data(as_text=True)
    assert "Links sent to your accountant" in page
    assert "books@accountants.example" in page
    assert re.search(r"<td>1</td>", page)  # one download so far
    revoke = _revoke_url(page)

    intruder = app.test_client()
    login(intruder, make_user())
    assert intruder.submit(revoke, form_page="/account").status_code == 404
    assert stranger.get(path).status_code == 200  # another user cannot revoke it

    response = client.submit(revoke, form_page="/reports/export")
    assert response.status_code == 302
    assert stranger.get(path).status_code == 404
    page = client.get("/reports/export").get_data(as_text=True)
    assert "Revoked" in page and "/revoke" not in page
    assert client.submit(revoke, form_page="/reports/export").status_code == 302  # idempotent


def test_a_password_change_revokes_every_link(
    app: Any, client: Any, trader: Any, mailbox: Any
) -> None:
    from minimin.extensions import db
    from minimin.reports.tax_models import ExportShare

    user = trader(accountant_email="books@accountants.example")
    first, second = _share(client, mailbox), _share(client, mailbox)
    stranger = app.test_client()
    assert stranger.get(first).status_code == 200
    response = client.submit(
        "/account/password",
        {"current_password": user.plain_password, "new_password": NEW_PASSWORD},
        form_page="/account",
    )
    assert response.status_code == 302
    assert stranger.get(first).status_code == 404
    assert stranger.get(second).status_code == 404
    with app.app_context():
        revoked = db.session.scalars(sa.select(ExportShare.revoked_at)).all()
        db.session.remove()
    assert len(revoked) == 2 and all(revoked)
