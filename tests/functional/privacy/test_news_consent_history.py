"""Every change of the product-news choice lands in the consent history shown on /privacy,
whichever way it was made: the account page or the one-click unsubscribe link of an email."""

from __future__ import annotations

import re
import uuid
from typing import Any

import sqlalchemy as sa


def _history(app: Any, user_id: uuid.UUID) -> list[tuple[str, bool, str]]:
    from minimin.extensions import db
    from minimin.privacy.models import ConsentRecord

    with app.app_context():
        try:
            rows = db.session.scalars(
                sa.select(ConsentRecord)
                .where(ConsentRecord.user_id == user_id)
                .order_by(ConsentRecord.created_at, ConsentRecord.id)
            )
            return [(r.purpose, r.granted, r.wording_version) for r in rows]
        finally:
            db.session.remove()


def _choices_table(page: str) -> str:
    match = re.search(r"Your choices so far</caption>(.*?)</table>", page, re.S)
    assert match, "no consent history on /privacy"
    return match.group(1)


def test_account_page_switch_is_recorded_and_shown(
    app: Any, client: Any, make_user: Any, login: Any
) -> None:
    from minimin.accounts.policies import NEWS_CONSENT_VERSION

    user = make_user()
    login(client, user)
    assert (
        client.submit("/account/communication", {"news": "y"}, form_page="/account").status_code
        == 302
    )
    assert client.submit("/account/communication", {}, form_page="/account").status_code == 302
    # Saving the same choice again is no change, so no new row.
    assert client.submit("/account/communication", {}, form_page="/account").status_code == 302
    assert _history(app, user.id) == [
        ("communications", True, NEWS_CONSENT_VERSION),
        ("communications", False, NEWS_CONSENT_VERSION),
    ]
    table = _choices_table(client.get("/privacy").get_data(as_text=True))
    assert table.count("Product news") == 2


def test_one_click_unsubscribe_is_recorded(
    app: Any, client: Any, make_user: Any, login: Any, mailbox: Any
) -> None:
    from minimin.accounts import services
    from minimin.accounts.models import User
    from minimin.core import db as core_db
    from minimin.extensions import db

    user = make_user(news_consent=True)
    with app.test_request_context():
        assert services.queue_news_email(
            db.session.get(User, user.id), "product_news", {"subject": "News", "body": "Hello."}
        )
        core_db.commit(db.session)
        db.session.remove()
    url = str(mailbox.to(user.email)[-1]["List-Unsubscribe"]).strip().strip("<>")
    path = "/" + url.split("://", 1)[1].split("/", 1)[1]
    anonymous = app.test_client()
    assert anonymous.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert _history(app, user.id)[-1][:2] == ("communications", False)
    login(client, user)
    table = _choices_table(client.get("/privacy").get_data(as_text=True))
    assert "Product news" in table and "No" in table


def test_signup_with_news_starts_the_history(app: Any, client: Any) -> None:
    from minimin.accounts.models import User
    from minimin.extensions import db

    response = client.submit(
        "/signup",
        {
            "full_name": "News Reader",
            "email": "reader@example.com",
            "password": "correct horse battery staple",
            "adult": "y",
            "accept_terms": "y",
            "news": "y",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    with app.app_context():
        user_id = db.session.scalar(sa.select(User.id).where(User.email == "reader@example.com"))
        db.session.remove()
    assert user_id is not None
    assert [row[:2] for row in _history(app, user_id)] == [("communications", True)]
