"""Passkey building blocks: the relying party, ceremony state, credential parsing, the
second-factor rule, and the software authenticator the functional tests rely on."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import session
from webauthn import generate_authentication_options, verify_authentication_response
from webauthn.helpers.exceptions import InvalidAuthenticationResponse

from minimin.accounts import passkeys
from minimin.accounts.passkeys import ceremony
from tests.softauthn import Authenticator, b64url, unb64url


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"BASE_URL": "http://localhost:5000"}


@pytest.mark.parametrize(
    ("base_url", "rp_id", "origin"),
    [
        ("http://localhost:5000", "localhost", "http://localhost:5000"),
        ("https://minimin.example", "minimin.example", "https://minimin.example"),
        (
            "https://books.minimin.example:8443/",
            "books.minimin.example",
            "https://books.minimin.example:8443",
        ),
        ("https://Minimin.Example", "minimin.example", "https://minimin.example"),
        ("https://minimin.example:443", "minimin.example", "https://minimin.example"),
    ],
)
def test_relying_party_comes_from_the_base_url(
    app: Any, base_url: str, rp_id: str, origin: str
) -> None:
    app.config["BASE_URL"] = base_url
    with app.app_context():
        got_rp, got_origin = passkeys.relying_party()
    assert got_rp == rp_id
    assert got_origin == origin


def test_relying_party_needs_a_host(app: Any) -> None:
    app.config["BASE_URL"] = "/relative"
    with app.app_context(), pytest.raises(RuntimeError, match="host"):
        passkeys.relying_party()
    app.config["BASE_URL"] = "ftp://minimin.example"
    with app.app_context(), pytest.raises(RuntimeError, match="host"):
        passkeys.relying_party()


@pytest.mark.parametrize(
    ("credential", "expected"),
    [
        ({"rawId": "abc_-", "id": "zzz"}, "abc_-"),
        ({"id": "abc=="}, "abc"),
        ({"rawId": 5}, None),
        ({"rawId": ""}, None),
        ({"rawId": "a" * (passkeys.CREDENTIAL_ID_MAX + 1)}, None),
        ({}, None),
    ],
)
def test_credential_id_of(credential: dict[str, Any], expected: str | None) -> None:
    assert ceremony._credential_id_of(credential) == expected


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        ({"transports": ["usb", "internal", "usb", "bogus", 3]}, ["internal", "usb"]),
        ({"transports": "usb"}, []),
        ({}, []),
        ("not a dict", []),
    ],
)
def test_transports_keep_only_known_values(response: Any, expected: list[str]) -> None:
    assert ceremony._transports_of({"response": response}) == expected


def test_user_handle_is_the_opaque_account_id() -> None:
    import uuid

    user_id = uuid.uuid4()
    assert ceremony._user_handle(user_id) == user_id.bytes
    assert len(ceremony._user_handle(user_id)) == 16


# ------------------------------------------------------------------------------- ceremonies


def _challenges(app: Any) -> list[Any]:
    from minimin.extensions import db

    with app.app_context():
        return list(db.session.scalars(sa.select(passkeys.PasskeyChallenge)))


def test_a_ceremony_is_bound_to_the_session_and_used_once(app: Any) -> None:
    from minimin.extensions import db

    with app.test_request_context("/"):
        row = ceremony._new_ceremony(passkeys.LOGIN, challenge=b"x" * 32)
        token = session[ceremony._SESSION_KEYS[passkeys.LOGIN]]
        # Only the hash of the session's token is stored.
        assert row.token_hash != token
        assert len(row.token_hash) == 64
        assert ceremony._current_ceremony(passkeys.LOGIN) is row
        assert ceremony._current_ceremony(passkeys.REGISTER) is None
        assert ceremony._consume_ceremony(passkeys.LOGIN) is row
        assert ceremony._consume_ceremony(passkeys.LOGIN) is None
        assert passkeys.LOGIN not in session.values()
        db.session.commit()
    assert _challenges(app) == []


def test_another_session_cannot_use_the_ceremony(app: Any) -> None:
    from minimin.extensions import db

    with app.test_request_context("/"):
        ceremony._new_ceremony(passkeys.LOGIN, challenge=b"x" * 32)
        db.session.commit()
    with app.test_request_context("/"):
        assert ceremony._current_ceremony(passkeys.LOGIN) is None
        session[ceremony._SESSION_KEYS[passkeys.LOGIN]] = "guessed-token"
        assert ceremony._consume_ceremony(passkeys.LOGIN) is None
    assert len(_challenges(app)) == 1


def test_a_new_ceremony_replaces_the_sessions_earlier_one(app: Any) -> None:
    from minimin.extensions import db

    with app.test_request_context("/"):
        first = ceremony._new_ceremony(passkeys.LOGIN, challenge=b"1" * 32)
        second = ceremony._new_ceremony(passkeys.LOGIN, challenge=b"2" * 32)
        db.session.commit()
        assert ceremony._current_ceremony(passkeys.LOGIN) is second
        assert first is not second
    assert [c.challenge for c in _challenges(app)] == [b"2" * 32]


def test_expired_ceremonies_are_refused_and_swept(app: Any) -> None:
    from minimin.core.db import utcnow
    from minimin.extensions import db

    with app.test_request_context("/"):
        row = ceremony._new_ceremony(passkeys.LOGIN, challenge=b"x" * 32)
        assert row.expires_at - row.created_at == passkeys.CHALLENGE_TTL
        row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.flush()
        assert ceremony._current_ceremony(passkeys.LOGIN) is None
        # Starting any ceremony sweeps the stale ones away.
        ceremony._new_ceremony(passkeys.REGISTER, challenge=b"y" * 32)
        db.session.commit()
    assert [c.purpose for c in _challenges(app)] == [passkeys.REGISTER]


def test_challenge_lifetime_is_five_minutes() -> None:
    assert timedelta(minutes=5) == passkeys.CHALLENGE_TTL


# ------------------------------------------------------------------------- second factor rule


def test_second_factor_needs_the_preference_and_a_passkey(app: Any, make_user: Any) -> None:
    from minimin.accounts.models import User
    from minimin.extensions import db

    person = make_user()
    with app.app_context():
        user = db.session.get(User, person.id)
        assert passkeys.second_factor_required(user) is False
        db.session.add(passkeys.PasskeyPreference(user_id=user.id, require_after_password=True))
        db.session.flush()
        # Wanted, but with no passkey it could never be given: not required.
        assert passkeys.second_factor_required(user) is False
        db.session.add(
            passkeys.Passkey(
                user_id=user.id, credential_id="abc", public_key=b"k", sign_count=0, name="Key"
            )
        )
        db.session.flush()
        assert passkeys.second_factor_required(user) is True
        db.session.rollback()


def test_a_credential_id_is_unique_across_users(app: Any, make_user: Any) -> None:
    from minimin.extensions import db

    first, second = make_user(), make_user()
    with app.app_context():
        for owner in (first, second):
            db.session.add(
                passkeys.Passkey(
                    user_id=owner.id, credential_id="same", public_key=b"k", name="Key"
                )
            )
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()
        db.session.rollback()


# ------------------------------------------------------------- the software authenticator


def _registration_options() -> dict[str, Any]:
    return {
        "rp": {"id": "localhost", "name": "Minimin"},
        "user": {"id": b64url(b"u" * 16), "name": "a@example.com", "displayName": "A"},
        "challenge": b64url(b"c" * 32),
        "pubKeyCredParams": [{"type": "public-key", "alg": -7}],
        "attestation": "none",
    }


def test_software_authenticator_answers_like_a_browser() -> None:
    from webauthn import verify_registration_response

    device = Authenticator()
    credential = device.create_json(_registration_options(), "http://localhost:5000")
    verified = verify_registration_response(
        credential=credential,
        expected_challenge=b"c" * 32,
        expected_rp_id="localhost",
        expected_origin="http://localhost:5000",
        require_user_verification=True,
    )
    assert verified.user_verified
    options = json.loads(
        __import__("webauthn").options_to_json(
            generate_authentication_options(rp_id="localhost", challenge=b"d" * 32)
        )
    )
    assertion = device.get_json(options, "http://localhost:5000")
    assert unb64url(assertion["response"]["userHandle"]) == b"u" * 16
    result = verify_authentication_response(
        credential=assertion,
        expected_challenge=b"d" * 32,
        expected_rp_id="localhost",
        expected_origin="http://localhost:5000",
        credential_public_key=verified.credential_public_key,
        credential_current_sign_count=0,
        require_user_verification=True,
    )
    assert result.new_sign_count == 1
    # Without user verification the same device is refused where verification is required.
    device.user_verified = False
    with pytest.raises(InvalidAuthenticationResponse):
        verify_authentication_response(
            credential=device.get_json(options, "http://localhost:5000"),
            expected_challenge=b"d" * 32,
            expected_rp_id="localhost",
            expected_origin="http://localhost:5000",
            credential_public_key=verified.credential_public_key,
            credential_current_sign_count=1,
            require_user_verification=True,
        )


def test_software_authenticator_honours_allow_and_exclude_lists() -> None:
    device = Authenticator()
    options = _registration_options()
    device.create_json(options, "http://localhost:5000")
    with pytest.raises(ValueError, match="already registered"):
        device.create_json(
            {**options, "excludeCredentials": [{"id": b64url(device.credential_id)}]},
            "http://localhost:5000",
            credential_id=device.credential_id,
        )
    with pytest.raises(ValueError, match="NotAllowedError"):
        device.get_json(
            {"rpId": "localhost", "challenge": b64url(b"x"), "allowCredentials": [{"id": "zz"}]},
            "http://localhost:5000",
        )
