"""Field encryption, key rotation (``minimin rotate-keys``), tokens and HMAC identifiers."""

from __future__ import annotations

import base64
import dataclasses
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from minimin.app import create_app
from minimin.config import DataKey, parse_data_keys
from minimin.core.crypto import (
    DecryptionError,
    EncryptedString,
    Keyring,
    constant_time_equals,
    hash_token,
    hmac_id,
    keyring,
    new_token,
)
from minimin.core.rotation import EncryptedColumn, encrypted_columns, rotate_all, rotate_column

K0 = DataKey("k0", b"\x00" * 32)
K1 = DataKey("k1", bytes(range(32)))


def test_round_trip_and_envelope() -> None:
    ring = Keyring([K1])
    secret = "12-34-56 £ Ünïcödé \U0001f600"
    token = ring.encrypt(secret)
    assert token.startswith("v1:k1:")
    assert secret not in token
    assert ring.decrypt(token) == secret
    # A fresh nonce every time: equal plaintexts do not give equal ciphertexts.
    assert ring.encrypt(secret) != token


def test_tampering_is_detected() -> None:
    ring = Keyring([K1])
    token = ring.encrypt("40308669")
    prefix, key_id, body = token.split(":", 2)
    raw = bytearray(base64.b64decode(body))
    raw[-1] ^= 0x01
    tampered = f"{prefix}:{key_id}:{base64.b64encode(bytes(raw)).decode()}"
    with pytest.raises(DecryptionError, match="authentication"):
        ring.decrypt(tampered)
    with pytest.raises(DecryptionError):
        ring.decrypt("v1:k1:not base64!")
    with pytest.raises(DecryptionError):
        ring.decrypt("garbage")
    # A value encrypted for one context cannot be moved to another.
    bound = ring.encrypt("x", context=b"user-1")
    with pytest.raises(DecryptionError):
        ring.decrypt(bound, context=b"user-2")


def test_unknown_key_id_is_refused() -> None:
    token = Keyring([K0]).encrypt("secret")
    with pytest.raises(DecryptionError, match="k0"):
        Keyring([K1]).decrypt(token)
    with pytest.raises(DecryptionError):
        Keyring([K0]).decrypt(token.replace("v1:", "v9:", 1))


def test_rotation_old_key_still_decrypts() -> None:
    old = Keyring([K0]).encrypt("sort code")
    ring = Keyring([K1, K0])
    assert ring.current_id == "k1"
    assert ring.decrypt(old) == "sort code"
    assert ring.needs_rotation(old)
    new = ring.encrypt("sort code", b"profile.sort_code:1")
    assert new.startswith("v2:k1:") and not ring.needs_rotation(new)
    # A value without a place (written outside the ORM) is rotated to gain one.
    assert ring.needs_rotation(ring.encrypt("sort code"))


def test_keyring_needs_a_key() -> None:
    with pytest.raises(ValueError):
        Keyring([])


def test_tokens_are_random_and_stored_hashed() -> None:
    tokens = {new_token() for _ in range(100)}
    assert len(tokens) == 100
    token = tokens.pop()
    assert len(token) >= 43  # 32 bytes
    digest = hash_token(token)
    assert len(digest) == 64 and token not in digest
    assert hash_token(token) == digest
    assert constant_time_equals(digest, hash_token(token))
    assert not constant_time_equals(digest, hash_token(token + "x"))


# --------------------------------------------------------------------------- needing an app


@pytest.fixture
def plain_app(tmp_path: Path) -> Iterator[Flask]:
    app = create_app(mode="testing", instance_path=tmp_path / "instance")
    with app.app_context():
        yield app


def test_hmac_id_is_stable_and_purpose_separated(plain_app: Flask, tmp_path: Path) -> None:
    user_id = uuid.uuid4()
    first = hmac_id(user_id)
    assert first == hmac_id(user_id) == hmac_id(user_id, "user")
    assert len(first) == 32 and str(user_id) not in first
    assert hmac_id(user_id, "ip") != first
    assert hmac_id(uuid.uuid4()) != first
    # Another installation (another HMAC key) gives another identifier.
    other = create_app(mode="testing", instance_path=tmp_path / "other")
    with other.app_context():
        assert hmac_id(user_id) != first
    # The same installation after a restart gives the same one.
    again = create_app(mode="testing", instance_path=plain_app.instance_path)
    with again.app_context():
        assert hmac_id(user_id) == first


def test_encrypted_string_column_stores_only_ciphertext(plain_app: Flask) -> None:
    column = EncryptedString()
    dialect = sa.create_engine("sqlite://").dialect
    stored = column.process_bind_param("GB29NWBK60161331926819", dialect)
    assert stored and stored.startswith("v1:") and "NWBK" not in stored
    assert column.process_result_value(stored, dialect) == "GB29NWBK60161331926819"
    assert column.process_bind_param(None, dialect) is None
    assert column.process_result_value(None, dialect) is None


# --------------------------------------------------------------------------- rotation


def _secrets_table() -> sa.Table:
    """A table outside the application's metadata, so the test leaves the schema alone."""
    metadata = sa.MetaData()
    return sa.Table(
        f"rotation_test_{uuid.uuid4().hex[:8]}",
        metadata,
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("account_number", EncryptedString, nullable=True),
        sa.Column("note", sa.Text),
    )


def _use_keys(app: Flask, spec: list[DataKey]) -> Keyring:
    app.config["MINIMIN_SETTINGS"] = dataclasses.replace(
        app.config["MINIMIN_SETTINGS"], data_keys=spec
    )
    app.extensions.pop("minimin_keyring", None)
    return keyring()


def test_rotate_keys_rewrites_old_values_in_batches(app: Flask) -> None:
    from minimin.extensions import db

    table = _secrets_table()
    with app.app_context():
        engine = db.engine
        table.create(engine)
        try:
            _use_keys(app, [K0])
            ids = [uuid.uuid4() for _ in range(25)]
            with engine.begin() as conn:
                conn.execute(
                    table.insert(),
                    [
                        {"id": i, "account_number": f"{n:08d}", "note": "n"}
                        for n, i in enumerate(ids)
                    ],
                )
                conn.execute(table.insert(), {"id": uuid.uuid4(), "account_number": None})

            ring = _use_keys(app, [K1, K0])
            # One value already under the new key before the rotation runs.
            with engine.begin() as conn:
                conn.execute(
                    table.update().where(table.c.id == ids[0]).values(account_number="00000000")
                )
            target = EncryptedColumn(table, table.c.account_number)
            # All 25: the one under the new key was written without its place.
            assert rotate_column(engine, target, ring, batch_size=7) == 25

            with engine.connect() as conn:
                raw = conn.execute(
                    sa.select(table.c.id, sa.type_coerce(table.c.account_number, sa.Text))
                ).all()
                decrypted = dict(conn.execute(sa.select(table.c.id, table.c.account_number)).all())
            values = [v for _, v in raw if v is not None]
            assert len(values) == 25
            assert all(v.startswith("v2:k1:") for v in values)
            assert [decrypted[i] for i in ids] == [f"{n:08d}" for n in range(25)]

            # Safe to run again: nothing left to do.
            assert rotate_all(engine, ring, [target], batch_size=7) == {target.name: 0}
            # And the old key can now go.
            _use_keys(app, [K1])
            with engine.connect() as conn:
                assert (
                    conn.execute(
                        sa.select(table.c.account_number).where(table.c.id == ids[3])
                    ).scalar_one()
                    == "00000003"
                )
        finally:
            table.drop(engine)


def test_rotate_keys_covers_the_attachments_of_waiting_emails(app: Flask, mailbox: Any) -> None:
    """An invoice email waiting in the outbox during a rotation is delivered with its PDF intact
    once the old key is gone; the log's emptied attachments of sent emails read too."""
    from minimin.core import db as core_db
    from minimin.core.mail import (
        SENT,
        Attachment,
        OutboundAttachment,
        OutboundEmail,
        queue_email,
        send_email,
    )
    from minimin.extensions import db

    pdf = b"%PDF-1.7\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"
    contents = db.Model.metadata.tables["outbound_attachment"].c.content
    with app.app_context():
        _use_keys(app, [K0])
        waiting, sent = (
            queue_email(
                to=f"{name}@example.com",
                template="password_changed",
                context={"user": {"full_name": "Jo"}},
                attachments=[Attachment("INV-7.pdf", "application/pdf", pdf)],
            )
            for name in ("waiting", "sent")
        )
        db.session.info.pop("minimin_after_commit", None)  # nothing is sent yet
        sent.status, sent.sealed = SENT, None  # as a delivered email is kept
        sent.attachments[0].content = b""
        core_db.commit(db.session)
        waiting_id, sent_id = waiting.id, sent.id
        db.session.remove()

        def stored() -> list[bytes]:
            with db.engine.connect() as conn:
                raw = sa.type_coerce(contents, sa.LargeBinary)
                return [bytes(v) for v in conn.execute(sa.select(raw)).scalars()]

        assert [v[:6] for v in stored()] == [b"v1:k0:"] * 2

        ring = _use_keys(app, [K1, K0])
        counts = rotate_all(db.engine, ring, encrypted_columns(db.Model.metadata), batch_size=1)
        assert counts["outbound_attachment.content"] == 2
        assert counts["outbound_email.sealed"] == 1
        assert [v[:6] for v in stored()] == [b"v1:k1:"] * 2
        again = rotate_all(db.engine, ring, encrypted_columns(db.Model.metadata))
        assert again["outbound_attachment.content"] == 0

        # The old key can now go: the waiting email is delivered with its attachment intact.
        _use_keys(app, [K1])
        send_email.run(str(waiting_id))
        db.session.remove()
        delivered = db.session.get(OutboundEmail, waiting_id)
        assert delivered is not None and delivered.status == SENT, delivered.last_error
        [message] = mailbox.to("waiting@example.com")
        [attachment] = list(message.iter_attachments())
        assert attachment.get_filename() == "INV-7.pdf"
        assert attachment.get_payload(decode=True) == pdf
        # And the email log still reads the sent one.
        [kept] = db.session.scalars(
            sa.select(OutboundAttachment).where(OutboundAttachment.email_id == sent_id)
        ).all()
        assert kept.content == b"" and kept.filename == "INV-7.pdf"
        db.session.remove()


def test_rotate_keys_discovers_encrypted_columns() -> None:
    table = _secrets_table()
    found = encrypted_columns(table.metadata)
    assert [c.name for c in found] == [f"{table.name}.account_number"]


def test_rotate_keys_command_runs_on_the_application(app: Flask) -> None:
    from minimin.extensions import db

    runner = app.test_cli_runner()
    result = runner.invoke(args=["rotate-keys", "--batch-size", "10"])
    assert result.exit_code == 0, result.output
    names = [c.name for c in encrypted_columns(db.Model.metadata)]
    if names:
        for name in names:
            assert f"{name}: 0 values re-encrypted" in result.output
        assert "now under key" in result.output
    else:
        assert "No encrypted columns" in result.output


def test_data_keys_parse_for_rotation() -> None:
    spec = f"k1:{base64.b64encode(K1.key).decode()},k0:{base64.b64encode(K0.key).decode()}"
    keys = parse_data_keys(spec)
    assert [k.key_id for k in keys] == ["k1", "k0"]
    assert Keyring(keys).current_id == "k1"
