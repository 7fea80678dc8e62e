"""Consent at /privacy: AI features and product news, each given and withdrawn with one click,
recorded with the time and the version of the words, effective at once; withdrawing AI consent
can delete the AI conversation logs (every ``ai_*`` table with a ``user_id``)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

#: A throwaway AI log table, outside the models' metadata, created in the test database.
AI_LOG_METADATA = sa.MetaData()
AI_TEST_LOG = sa.Table(
    "ai_test_log",
    AI_LOG_METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.Uuid, nullable=False),
    sa.Column("message", sa.String(200), nullable=False),
)


@pytest.fixture
def ai_log_table(app: Any) -> Iterator[sa.Table]:
    from minimin.extensions import db

    with app.app_context():
        AI_LOG_METADATA.create_all(db.engine)
    yield AI_TEST_LOG
    with app.app_context():
        db.session.remove()
        AI_LOG_METADATA.drop_all(db.engine)


def _log_rows(app: Any, user_id: uuid.UUID) -> list[str]:
    from minimin.extensions import db

    with app.app_context():
        try:
            return list(
                db.session.scalars(
                    sa.select(AI_TEST_LOG.c.message).where(AI_TEST_LOG.c.user_id == user_id)
                )
            )
        finally:
            db.session.remove()


def _add_logs(app: Any, user_id: uuid.UUID, *messages: str) -> None:
    from minimin.extensions import db

    with app.app_context():
        db.session.execute(
            sa.insert(AI_TEST_LOG), [{"user_id": user_id, "message": m} for m in messages]
        )
        db.session.commit()
        db.session.remove()


def _records(app: Any, user_id: uuid.UUID) -> list[Any]:
    from minimin.extensions import db
    from minimin.privacy.models import ConsentRecord

    with app.app_context():
        rows = list(
            db.session.scalars(
                sa.select(ConsentRecord)
                .where(ConsentRecord.user_id == user_id)
                .order_by(ConsentRecord.created_at, ConsentRecord.id)
            )
        )
        db.session.expunge_all()
        db.session.remove()
    return rows


def _has_consent(app: Any, user_id: uuid.UUID, purpose: str) -> bool:
    from minimin.extensions import db
    from minimin.privacy import consent

    with app.app_context():
        try:
            return consent.has_consent(user_id, purpose)
        finally:
            db.session.remove()


def _form_actions(page: str) -> list[str]:
    return re.findall(r'<form method="post" action="([^"]+)"', page)


def _one_click(client: Any, action: str) -> Any:
    """Press the button of the form posting to *action* on /privacy: only its CSRF token and
    whatever hidden inputs it carries are sent."""
    page = client.get("/privacy").get_data(as_text=True)
    assert action in _form_actions(page), f"no button for {action} on /privacy"
    return client.submit(action, {}, form_page="/privacy")


def _recent(moment: Any) -> bool:
    from minimin.core.db import utcnow

    return utcnow() - timedelta(minutes=1) <= moment <= utcnow()


def test_ai_consent_given_and_withdrawn_with_one_click_recorded_and_effective_at_once(
    app: Any, client: Any, make_user: Any, login: Any
) -> None:
    from minimin.privacy import consent

    user = make_user()
    login(client, user)
    assert not _has_consent(app, user.id, "ai")  # no record means no
    assert "Turn AI features on" in client.get("/privacy").get_data(as_text=True)

    response = _one_click(client, "/privacy/consent/ai/give")
    assert response.status_code == 302
    assert _has_consent(app, user.id, "ai")
    (given,) = _records(app, user.id)
    assert (given.purpose, given.granted) == ("ai", True)
    assert given.wording_version == consent.WORDING_VERSIONS["ai"]
    assert _recent(given.created_at)
    page = client.get("/privacy").get_data(as_text=True)
    assert "Turn AI features off" in page and given.wording_version in page

    response = _one_click(client, "/privacy/consent/ai/withdraw")
    assert response.status_code == 302
    assert not _has_consent(app, user.id, "ai")  # at once: the very next question says no
    given_again, withdrawn = _records(app, user.id)
    assert (withdrawn.purpose, withdrawn.granted) == ("ai", False)
    assert withdrawn.wording_version == consent.WORDING_VERSIONS["ai"]
    assert withdrawn.deleted_logs is False
    assert _recent(withdrawn.created_at) and withdrawn.created_at >= given_again.created_at
    assert "Turn AI features on" in client.get("/privacy").get_data(as_text=True)


def test_withdrawing_ai_consent_can_delete_the_ai_logs_and_spares_another_user(
    app: Any, client: Any, make_user: Any, login: Any, ai_log_table: sa.Table
) -> None:
    user = make_user()
    other = make_user()
    _add_logs(app, user.id, "how much for a day shoot?", "draft my invoice")
    _add_logs(app, other.id, "the other person's question")
    login(client, user)
    assert _one_click(client, "/privacy/consent/ai/give").status_code == 302

    response = client.submit(
        "/privacy/consent/ai/withdraw", {"delete_logs": "y"}, form_page="/privacy"
    )
    assert response.status_code == 302
    assert "conversation logs have been deleted" in client.get("/privacy").get_data(as_text=True)
    assert not _has_consent(app, user.id, "ai")
    assert _log_rows(app, user.id) == []
    assert _log_rows(app, other.id) == ["the other person's question"]
    withdrawn = _records(app, user.id)[-1]
    assert (withdrawn.granted, withdrawn.deleted_logs) == (False, True)


def test_withdrawing_without_asking_keeps_the_ai_logs(
    app: Any, client: Any, make_user: Any, login: Any, ai_log_table: sa.Table
) -> None:
    user = make_user()
    _add_logs(app, user.id, "keep me")
    login(client, user)
    _one_click(client, "/privacy/consent/ai/give")
    assert _one_click(client, "/privacy/consent/ai/withdraw").status_code == 302
    assert not _has_consent(app, user.id, "ai")
    assert _log_rows(app, user.id) == ["keep me"]


def test_ai_logs_can_be_deleted_later_with_ai_already_off(
    app: Any, client: Any, make_user: Any, login: Any, ai_log_table: sa.Table
) -> None:
    user = make_user()
    _add_logs(app, user.id, "old question")
    login(client, user)
    page = client.get("/privacy").get_data(as_text=True)
    assert "Delete my AI conversation logs" in page  # offered because an ai_ table exists
    # That button is a form with a hidden delete_logs input: one click.
    assert re.search(r'<input type="hidden" name="delete_logs" value="y">', page)
    response = client.submit(
        "/privacy/consent/ai/withdraw", {"delete_logs": "y"}, form_page="/privacy"
    )
    assert response.status_code == 302
    assert _log_rows(app, user.id) == []


def test_product_news_consent_given_and_withdrawn(
    app: Any, client: Any, make_user: Any, login: Any
) -> None:
    from minimin.accounts.models import User
    from minimin.extensions import db
    from minimin.privacy import consent

    user = make_user()
    login(client, user)
    assert not _has_consent(app, user.id, "communications")
    assert _one_click(client, "/privacy/consent/communications/give").status_code == 302
    assert _has_consent(app, user.id, "communications")
    (given,) = _records(app, user.id)
    assert (given.purpose, given.granted) == ("communications", True)
    assert given.wording_version == consent.WORDING_VERSIONS["communications"]
    assert _recent(given.created_at)
    with app.app_context():
        stored = db.session.get(User, user.id)
        assert stored is not None and stored.news_consent and _recent(stored.news_consent_at)
        db.session.remove()

    assert _one_click(client, "/privacy/consent/communications/withdraw").status_code == 302
    assert not _has_consent(app, user.id, "communications")
    withdrawn = _records(app, user.id)[-1]
    assert (withdrawn.purpose, withdrawn.granted) == ("communications", False)
    assert withdrawn.wording_version == consent.WORDING_VERSIONS["communications"]
    with app.app_context():
        stored = db.session.get(User, user.id)
        assert stored is not None and not stored.news_consent
        # Withdrawn means no product-news email is queued any more.
        from minimin.accounts import services

        assert services.queue_news_email(stored, "accounts/verify") is False
        db.session.rollback()
        db.session.remove()


def test_consent_changes_need_a_csrf_token_and_a_known_purpose(
    app: Any, client: Any, make_user: Any, login: Any
) -> None:
    user = make_user()
    login(client, user)
    assert client.post("/privacy/consent/ai/give").status_code == 400
    assert client.submit("/privacy/consent/ads/give", {}, form_page="/privacy").status_code == 404
    assert not _has_consent(app, user.id, "ai")
    assert _records(app, user.id) == []


def test_consent_changes_need_a_signed_in_user(client: Any) -> None:
    response = client.post("/privacy/consent/ai/give")
    assert response.status_code in (302, 400)
    assert client.get("/privacy").status_code == 302
