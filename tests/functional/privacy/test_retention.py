"""The retention schedule (privacy/retention.py) enforced by the periodic purge, under a frozen
clock: each kind of data goes when its time is up and not a day before; financial records of a
live account are never touched."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
import time_machine

from tests.factories import _fp, _model

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _at(days_ago: float) -> datetime:
    return NOW - timedelta(days=days_ago)


def _add(table: str, **fields: Any) -> Any:
    from minimin.extensions import db

    row = _model(table)(**fields)
    db.session.add(row)
    db.session.flush()
    return row.id


def _ids(table: str, **where: Any) -> set[Any]:
    from minimin.extensions import db
    from minimin.privacy import discovery

    t = discovery.metadata().tables[table]
    query = sa.select(t.c.id)
    for column, value in where.items():
        query = query.where(t.c[column] == value)
    return set(db.session.scalars(query))


def _plant(user_id: uuid.UUID) -> dict[str, Any]:
    from minimin.core.storage import storage

    ids: dict[str, Any] = {}
    ids["old_session"] = _add(
        "user_session", user_id=user_id, token_hash=_fp(), revoked_at=_at(31), last_seen_at=_at(31)
    )
    ids["idle_session"] = _add(
        "user_session", user_id=user_id, token_hash=_fp(), last_seen_at=_at(61)
    )
    ids["recent_session"] = _add(
        "user_session", user_id=user_id, token_hash=_fp(), revoked_at=_at(29), last_seen_at=_at(29)
    )
    ids["used_token"] = _add(
        "account_token",
        user_id=user_id,
        purpose="reset",
        token_hash=_fp(),
        created_at=_at(40),
        expires_at=_at(39),
        used_at=_at(31),
    )
    ids["live_token"] = _add(
        "account_token",
        user_id=user_id,
        purpose="unsubscribe",
        token_hash=_fp(),
        created_at=_at(40),
        expires_at=_at(-300),
    )
    for name, days in (("old_email", 91), ("new_email", 89)):
        ids[name] = _add(
            "outbound_email",
            user_id=user_id,
            kind="test",
            message_id=f"<{uuid.uuid4()}@x>",
            to_address="client@example.com",
            subject="Invoice INV-1",
            text_body="Body words",
            html_body="<p>Body words</p>",
            category="transactional",
            status="sent",
            created_at=_at(days),
        )
        ids[name + "_attachment"] = _add(
            "outbound_attachment",
            email_id=ids[name],
            filename="INV-1.pdf",
            content_type="application/pdf",
            content=b"%PDF attachment",
        )
    ids["old_audit"] = _add("audit_event", user_id=user_id, action="test.old", created_at=_at(732))
    ids["new_audit"] = _add("audit_event", user_id=user_id, action="test.new", created_at=_at(700))
    bank = _add("bank_account", user_id=user_id, name="Current", last_four="1234")
    for name, status in (("imported", "done"), ("pending", "pending")):
        key = storage().save(b"Date,Amount\n2025-06-01,50.00\n", "text/csv")
        ids[name + "_key"] = key
        ids[name + "_file"] = _add(
            "stored_file",
            user_id=user_id,
            storage_key=key,
            content_type="text/csv",
            size=29,
            sha256="0" * 64,
            filename="statement.csv",
            purpose="bank_statement",
        )
        ids[name + "_import"] = _add(
            "bank_import_job",
            user_id=user_id,
            bank_account_id=bank,
            kind="csv",
            status=status,
            file_id=ids[name + "_file"],
        )
    for name, expires in (("expired_share", _at(1)), ("live_share", _at(-3))):
        key = storage().save(b"PK\x05\x06" + b"\0" * 18, "application/zip")
        ids[name + "_key"] = key
        ids[name + "_job"] = _add(
            "export_job", user_id=user_id, tax_year=2025, status="done", file_key=key
        )
        _add(
            "export_share",
            user_id=user_id,
            export_job_id=ids[name + "_job"],
            token_hash=_fp(),
            recipient="accountant@example.com",
            expires_at=expires,
        )
    ids["client"] = _add("client", user_id=user_id, name="Old Client", created_at=_at(3000))
    return ids


def _run_purge(app: Any) -> dict[str, int]:
    from minimin.extensions import db
    from minimin.privacy import tasks

    with app.app_context():
        try:
            return tasks.purge_expired()
        finally:
            db.session.remove()


def test_purge_removes_each_kind_when_its_time_is_up(app: Any, make_user: Any) -> None:
    from minimin.core.storage import storage
    from minimin.extensions import db

    with time_machine.travel(NOW, tick=False):
        live = make_user()
        fresh_unverified = make_user(verified=False)
        stale_unverified = make_user(verified=False)
        with app.app_context():
            user_table = _model("user").__table__
            for user, days in ((live, 400), (fresh_unverified, 6), (stale_unverified, 8)):
                db.session.execute(
                    sa.update(user_table)
                    .where(user_table.c.id == user.id)
                    .values(created_at=_at(days))
                )
            ids = _plant(live.id)
            stale_ids = _plant(stale_unverified.id)
            db.session.commit()
            db.session.remove()

        removed = _run_purge(app)

        with app.app_context():
            users = _ids("user")
            assert live.id in users and fresh_unverified.id in users
            assert stale_unverified.id not in users
            assert not _ids("user_session", user_id=stale_unverified.id)
            assert not storage().exists(stale_ids["imported_key"])
            assert not storage().exists(stale_ids["pending_key"])

            sessions = _ids("user_session", user_id=live.id)
            assert sessions == {ids["recent_session"]}
            tokens = _ids("account_token", user_id=live.id)
            assert tokens == {ids["live_token"]}

            emails = _model("outbound_email")
            old = db.session.get(emails, ids["old_email"])
            new = db.session.get(emails, ids["new_email"])
            # The log line stays, the words go.
            assert old.subject == "Invoice INV-1" and old.to_address == "client@example.com"
            assert old.text_body == "" and old.html_body is None
            assert new.text_body == "Body words" and new.html_body == "<p>Body words</p>"
            attachments = _model("outbound_attachment")
            assert db.session.get(attachments, ids["old_email_attachment"]).content == b""
            assert (
                db.session.get(attachments, ids["new_email_attachment"]).content
                == b"%PDF attachment"
            )

            assert _ids("audit_event", action="test.old") == set()
            assert _ids("audit_event", action="test.new") == {ids["new_audit"]}

            jobs = _model("bank_import_job")
            assert db.session.get(jobs, ids["imported_import"]).file_id is None
            assert db.session.get(jobs, ids["pending_import"]).file_id == ids["pending_file"]
            assert not storage().exists(ids["imported_key"])
            assert storage().exists(ids["pending_key"])

            exports = _model("export_job")
            assert db.session.get(exports, ids["expired_share_job"]).file_key is None
            assert db.session.get(exports, ids["live_share_job"]).file_key == ids["live_share_key"]
            assert not storage().exists(ids["expired_share_key"])
            assert storage().exists(ids["live_share_key"])

            # Financial records of a live account are never removed, however old.
            assert _ids("client", user_id=live.id) == {ids["client"]}
            db.session.remove()
        assert removed["unverified"] == 1 and removed["audit"] >= 1

    # A second run the same day finds nothing more to do.
    with time_machine.travel(NOW, tick=False):
        again = _run_purge(app)
    assert again["unverified"] == 0 and again["sessions"] == 0 and again["tokens"] == 0
    assert again["statements"] == 0 and again["accountant_zips"] == 0


def test_schedule_names_every_rule_once() -> None:
    from minimin.privacy.retention import SCHEDULE

    keys = [rule.key for rule in SCHEDULE]
    assert len(keys) == len(set(keys))
    assert {
        "unverified",
        "sessions",
        "tokens",
        "email_bodies",
        "statements",
        "audit",
        "accountant_zips",
        "financial",
    } <= set(keys)


def test_statement_files_and_accountant_zips_go_in_committed_batches(
    app: Any, make_user: Any, monkeypatch: Any
) -> None:
    """More finished imports and expired shares than one batch: each batch is committed with
    its files listed for removal before the next is read, and every file goes in the end."""
    from minimin.core import db as core_db
    from minimin.core.storage import storage
    from minimin.extensions import db
    from minimin.privacy import retention

    monkeypatch.setattr(retention, "BATCH", 3)
    user = make_user()
    keys: list[str] = []
    with app.app_context():
        bank = _add("bank_account", user_id=user.id, name="Current", last_four="1234")
        for _ in range(7):
            key = storage().save(b"Date,Amount\n2025-06-01,50.00\n", "text/csv")
            stored = _add(
                "stored_file",
                user_id=user.id,
                storage_key=key,
                content_type="text/csv",
                size=29,
                sha256="0" * 64,
                filename="statement.csv",
                purpose="bank_statement",
            )
            _add(
                "bank_import_job",
                user_id=user.id,
                bank_account_id=bank,
                kind="csv",
                status="done",
                file_id=stored,
            )
            zip_key = storage().save(b"PK\x05\x06" + b"\0" * 18, "application/zip")
            job = _add(
                "export_job", user_id=user.id, tax_year=2025, status="done", file_key=zip_key
            )
            _add(
                "export_share",
                user_id=user.id,
                export_job_id=job,
                token_hash=_fp(),
                recipient="accountant@example.com",
                expires_at=_at(1),
            )
            keys += [key, zip_key]
        db.session.commit()

        imports = _model("bank_import_job").__table__
        exports = _model("export_job").__table__

        def committed_left() -> tuple[int, int]:
            """What another connection sees: statement files and ZIPs still to go."""
            with db.engine.connect() as conn:
                count = sa.select(sa.func.count())
                return (
                    conn.scalar(count.select_from(imports).where(imports.c.file_id.is_not(None)))
                    or 0,
                    conn.scalar(count.select_from(exports).where(exports.c.file_key.is_not(None)))
                    or 0,
                )

        seen: list[tuple[int, int]] = []

        def commit() -> None:
            core_db.commit(db.session)
            seen.append(committed_left())

        removed = retention.purge(commit=commit)
        core_db.commit(db.session)
        db.session.remove()

    assert removed["statements"] == 7 and removed["accountant_zips"] == 7
    assert seen == [(4, 7), (1, 7), (0, 7), (0, 4), (0, 1), (0, 0)]
    with app.app_context():
        assert not [key for key in keys if storage().exists(key)]
        db.session.remove()


def test_api_answers_kept_for_retries_go_after_a_day(app: Any, make_user: Any) -> None:
    from minimin.api.idempotency import KEPT_FOR
    from minimin.extensions import db
    from minimin.privacy.retention import API_ANSWERS

    # The purge keeps them exactly as long as a retry can be answered from them.
    assert API_ANSWERS == KEPT_FOR
    with time_machine.travel(NOW, tick=False):
        user = make_user()
        with app.app_context():
            token = _add(
                "api_token",
                user_id=user.id,
                name="script",
                token_hash=_fp(),
                prefix="mmn_abcdefgh",
                scopes=["invoices:write"],
                expires_at=NOW + timedelta(days=30),
            )
            answers = {
                hours: _add(
                    "api_idempotent_request",
                    user_id=user.id,
                    token_id=token,
                    key_digest=_fp(),
                    request_digest=_fp(),
                    status=201,
                    content_type="application/json",
                    body="{}",
                    created_at=NOW - timedelta(hours=hours),
                )
                for hours in (1, 23.9, 24.1, 24 * 40)
            }
            db.session.commit()
            db.session.remove()

        removed = _run_purge(app)

        with app.app_context():
            assert _ids("api_idempotent_request", user_id=user.id) == {answers[1], answers[23.9]}
            assert _ids("api_token", user_id=user.id) == {token}
            db.session.remove()
    assert removed["api_answers"] == 2
