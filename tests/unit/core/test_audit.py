"""The audit trail holds no personal data in clear: IP, actor and subject are HMAC-hashed."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import Flask

from minimin.core.audit import AuditEvent, record
from minimin.core.crypto import hmac_id

IP = "203.0.113.77"


def _raw_rows(db) -> list[dict]:
    with db.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.text("SELECT * FROM audit_event"))]


def test_record_writes_one_row_with_hashed_identifiers(app: Flask, db, make_user) -> None:
    user = make_user(email="owner@example.com")
    actor = uuid.uuid4()
    with app.test_request_context(
        "/account", environ_base={"REMOTE_ADDR": IP}, headers={"User-Agent": "Firefox/140"}
    ):
        event = record(
            "password.changed",
            user_id=user.id,
            actor_id=actor,
            subject="owner@example.com",
            detail={"sessions_ended": 2},
        )
        db.session.commit()
        assert event.ip_hash == hmac_id(IP, "ip")
        assert event.actor_hash == hmac_id(actor)
        assert event.subject_hash == hmac_id("owner@example.com")
        # The hashed IP cannot be matched with a hashed user id or e-mail (purpose separation).
        assert event.ip_hash != hmac_id(IP)

    [row] = _raw_rows(db)
    assert row["action"] == "password.changed"
    assert uuid.UUID(str(row["user_id"])) == user.id
    assert row["user_agent"] == "Firefox/140"
    flat = " ".join(str(v) for v in row.values())
    assert IP not in flat
    assert str(actor) not in flat and str(actor).replace("-", "") not in flat
    assert "owner@example.com" not in flat


def test_record_is_part_of_the_transaction(app: Flask, db) -> None:
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": IP}):
        record("login.failed", subject="someone@example.com")
        db.session.rollback()
    assert _raw_rows(db) == []


def test_record_outside_a_request_has_no_ip(app: Flask, db) -> None:
    event = record("job.ran", detail={"n": 1})
    db.session.commit()
    assert event.ip_hash is None and event.user_agent is None and event.actor_hash is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 1


def test_audit_rows_go_with_the_account(app: Flask, db, make_user) -> None:
    from minimin.accounts.models import User

    user = make_user()
    record("account.created", user_id=user.id)
    record("admin.viewed_stats")  # not the user's: stays
    db.session.commit()
    db.session.execute(sa.delete(User).where(User.id == user.id))
    db.session.commit()
    rows = _raw_rows(db)
    assert [r["action"] for r in rows] == ["admin.viewed_stats"]
