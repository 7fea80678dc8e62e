"""Passkeys (WebAuthn): add, list, rename and remove them; sign in with one alone or after a
password as a second factor.

Ceremonies follow py_webauthn. Every challenge is random, stored server-side in a
``passkey_challenge`` row and bound to this browser's session: the session cookie carries only a
random token whose hash names the row. Finishing a ceremony deletes the row whatever the outcome,
so a challenge answers once; rows older than five minutes are refused and swept away.

The relying party id is the host of ``MINIMIN_BASE_URL`` and the only accepted origin is that
URL's scheme, host and port. A credential's signature counter must grow (unless the
authenticator never counts, both counters zero), else the credential may have been cloned.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import Mapped, mapped_column
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)
from werkzeug.security import check_password_hash
from werkzeug.wrappers import Response
from wtforms import BooleanField, HiddenField, PasswordField
from wtforms.validators import DataRequired, Length, Optional

from minimin.accounts import auth
from minimin.accounts.models import User
from minimin.core import audit
from minimin.core.crypto import hash_token, new_token
from minimin.core.db import UserOwned, UUIDPrimaryKey, utcnow
from minimin.core.forms import TextField
from minimin.core.security import USER, classify_blueprint, public, safe_next
from minimin.core.tenancy import owned_or_404
from minimin.core.transaction import keep_changes_on_error
from minimin.extensions import db, limiter

NAME_MAX = 60
#: Credential ids are at most 1023 bytes (WebAuthn level 3): 1364 characters of base64url.
CREDENTIAL_ID_MAX = 1400
CHALLENGE_TTL = timedelta(minutes=5)
#: Adding a passkey without typing the password again is allowed this soon after signing in.
RECENT_LOGIN = timedelta(minutes=5)
#: A ceremony's JSON is a few kilobytes; anything much larger is not a credential.
MAX_CREDENTIAL_BODY = 64 * 1024
CEREMONY_TIMEOUT_MS = 120_000

REGISTER = "register"
LOGIN = "login"
SECOND_FACTOR = "second_factor"
CONFIRM = "confirm"
_SESSION_KEYS = {
    REGISTER: "pk_register",
    LOGIN: "pk_login",
    SECOND_FACTOR: "pk_second_factor",
    CONFIRM: "pk_confirm",
}
_TRANSPORTS = {t.value for t in AuthenticatorTransport}


# --------------------------------------------------------------------------------------- models


class Passkey(UUIDPrimaryKey, UserOwned, db.Model):  # type: ignore[name-defined,misc]
    """One WebAuthn credential of a user."""

    __tablename__ = "passkey"

    #: base64url (no padding) of the credential id, as browsers send it.
    credential_id: Mapped[str] = mapped_column(sa.String(CREDENTIAL_ID_MAX), unique=True)
    #: COSE-encoded public key.
    public_key: Mapped[bytes] = mapped_column(sa.LargeBinary)
    sign_count: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    transports: Mapped[list[str] | None] = mapped_column(sa.JSON)
    name: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    backed_up: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column()


class PasskeyPreference(UUIDPrimaryKey, UserOwned, db.Model):  # type: ignore[name-defined,misc]
    """Whether a password alone is enough to sign in (off) or a passkey must follow it (on)."""

    __tablename__ = "passkey_preference"
    __table_args__ = (sa.UniqueConstraint("user_id"),)

    require_after_password: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PasskeyChallenge(UUIDPrimaryKey, db.Model):  # type: ignore[name-defined,misc]
    """A ceremony in progress: its challenge, bound to one browser session, used once."""

    __tablename__ = "passkey_challenge"

    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    purpose: Mapped[str] = mapped_column(sa.String(20))
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    challenge: Mapped[bytes | None] = mapped_column(sa.LargeBinary(64))
    name: Mapped[str | None] = mapped_column(sa.String(NAME_MAX))
    next_url: Mapped[str | None] = mapped_column(sa.String(2000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


# ---------------------------------------------------------------------------------------- forms


class AddPasskeyForm(FlaskForm):
    name = TextField(
        _l("Name for this passkey"),
        [DataRequired(_l("Enter a name for this passkey."))],
        max_length=NAME_MAX,
    )
    password = PasswordField(
        _l("Your password"),
        [Optional(), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )


class RenamePasskeyForm(FlaskForm):
    name = TextField(
        _l("Name for this passkey"),
        [DataRequired(_l("Enter a name for this passkey."))],
        max_length=NAME_MAX,
    )


class ConfirmForm(FlaskForm):
    """A bare form: its CSRF token is the confirmation."""


class SecondFactorForm(FlaskForm):
    require_after_password = BooleanField(_l("Ask for a passkey after my password"))
    password = PasswordField(
        _l("Your password"),
        [DataRequired(_l("Enter your password.")), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )


class PasskeyLoginForm(FlaskForm):
    next = HiddenField()


# ------------------------------------------------------------------------------ relying party


def relying_party() -> tuple[str, str]:
    """The RP id (host of the base URL) and the one accepted origin (scheme://host[:port])."""
    parts = urlsplit(current_app.config["BASE_URL"])
    if not parts.hostname or parts.scheme not in ("http", "https"):
        raise RuntimeError("MINIMIN_BASE_URL has no http(s) host: passkeys need one")
    # Browsers serialise the origin with a lower-case host and without a default port.
    default_port = {"http": 80, "https": 443}[parts.scheme]
    port = f":{parts.port}" if parts.port and parts.port != default_port else ""
    return parts.hostname, f"{parts.scheme}://{parts.hostname}{port}"


def _user_handle(user_id: uuid.UUID) -> bytes:
    # The WebAuthn user handle: the account's opaque UUID, never the email address.
    return user_id.bytes


# ---------------------------------------------------------------------------------- challenges


def _sweep_expired() -> None:
    db.session.execute(sa.delete(PasskeyChallenge).where(PasskeyChallenge.expires_at < utcnow()))


def _new_ceremony(purpose: str, **fields: Any) -> PasskeyChallenge:
    """Start a ceremony bound to this session, replacing any earlier one of the same purpose."""
    _sweep_expired()
    earlier = session.pop(_SESSION_KEYS[purpose], None)
    if earlier:
        db.session.execute(
            sa.delete(PasskeyChallenge).where(PasskeyChallenge.token_hash == hash_token(earlier))
        )
    token = new_token()
    now = utcnow()
    row = PasskeyChallenge(
        token_hash=hash_token(token),
        purpose=purpose,
        created_at=now,
        expires_at=now + CHALLENGE_TTL,
        **fields,
    )
    db.session.add(row)
    db.session.flush()
    session[_SESSION_KEYS[purpose]] = token
    return row


def _current_ceremony(purpose: str) -> PasskeyChallenge | None:
    """The live ceremony of this session for *purpose*, without consuming it."""
    token = session.get(_SESSION_KEYS[purpose])
    if not token or not isinstance(token, str):
        return None
    row = db.session.scalar(
        sa.select(PasskeyChallenge).where(
            PasskeyChallenge.token_hash == hash_token(token), PasskeyChallenge.purpose == purpose
        )
    )
    if row is None or row.expires_at < utcnow():
        return None
    return row


def _consume_ceremony(purpose: str) -> PasskeyChallenge | None:
    """Take this session's ceremony for *purpose* and delete it: a challenge answers once.

    The deletion is kept even when the request then answers with an error.
    """
    row = _current_ceremony(purpose)
    session.pop(_SESSION_KEYS[purpose], None)
    if row is not None:
        db.session.delete(row)
        db.session.flush()
        keep_changes_on_error()
    return row


# --------------------------------------------------------------------------------- API for login


def second_factor_required(user: User) -> bool:
    """True when *user* asked for a passkey after the password and still has a passkey."""
    wanted = db.session.scalar(
        sa.select(PasskeyPreference.require_after_password).where(
            PasskeyPreference.user_id == user.id
        )
    )
    if not wanted:
        return False
    return _passkey_count(user.id) > 0


def begin_second_factor(user: User, next_url: str | None = None) -> Response:
    """After a correct password: hold the sign-in until a passkey of *user* is presented.

    The login view calls this instead of ``auth.start_session`` when
    :func:`second_factor_required` is true. Nothing is signed in yet.
    """
    _new_ceremony(SECOND_FACTOR, user_id=user.id, next_url=safe_next(next_url))
    audit.record("login.password_ok_passkey_pending", user_id=user.id, actor_id=user.id)
    return redirect(url_for("passkeys.second_factor"))


def _passkey_count(user_id: uuid.UUID) -> int:
    return int(
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Passkey).where(Passkey.user_id == user_id)
        )
        or 0
    )


def _preference(user_id: uuid.UUID) -> PasskeyPreference | None:
    return db.session.scalar(
        sa.select(PasskeyPreference).where(PasskeyPreference.user_id == user_id)
    )


# ------------------------------------------------------- API for confirming a sensitive action


def has_passkeys(user_id: uuid.UUID) -> bool:
    return _passkey_count(user_id) > 0


def begin_confirmation(user: User) -> Response:
    """Options (JSON) asking for one of *user*'s passkeys to confirm an action of theirs.

    The challenge is bound to this browser's session and answers once; the caller decides what
    must have happened before (a password typed again, say).
    """
    rp_id, _origin = relying_party()
    options = generate_authentication_options(
        rp_id=rp_id,
        timeout=CEREMONY_TIMEOUT_MS,
        allow_credentials=[_descriptor(p) for p in _user_passkeys(user.id)],
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    _new_ceremony(CONFIRM, user_id=user.id, challenge=options.challenge)
    return Response(options_to_json(options), mimetype="application/json")


def read_credential() -> dict[str, Any] | None:
    """The credential JSON of this request (size-limited), or None when it is not one."""
    return _read_credential()


def verify_confirmation(user: User, payload: Any) -> tuple[bool, str]:
    """Check *payload* (an assertion from :func:`begin_confirmation`'s options) for *user*.

    The challenge is used up whatever the outcome. Returns (confirmed, reason for a refusal).
    """
    ceremony = _consume_ceremony(CONFIRM)
    if ceremony is None or ceremony.user_id != user.id:
        return False, "no_ceremony"
    if not isinstance(payload, dict):
        return False, "no_credential"
    passkey, reason, _owner = _verify_assertion(
        payload, ceremony, expected_user=user.id, require_user_verification=False
    )
    if passkey is None:
        return False, reason or "refused"
    return True, ""


# ------------------------------------------------------------------------------------ helpers


def _json_error(message: str, status: int = 400) -> tuple[Response, int]:
    return jsonify({"error": message}), status


def _read_credential() -> dict[str, Any] | None:
    """The credential JSON posted by passkeys.js, or None when it is not a JSON object."""
    if request.content_length is not None and request.content_length > MAX_CREDENTIAL_BODY:
        abort(413)
    raw = request.get_data(cache=True)
    if len(raw) > MAX_CREDENTIAL_BODY:
        abort(413)
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _credential_id_of(credential: dict[str, Any]) -> str | None:
    raw = credential.get("rawId") or credential.get("id")
    if not isinstance(raw, str) or not raw or len(raw) > CREDENTIAL_ID_MAX:
        return None
    return raw.rstrip("=")


def _transports_of(credential: dict[str, Any]) -> list[str]:
    response = credential.get("response")
    raw = response.get("transports") if isinstance(response, dict) else None
    if not isinstance(raw, list):
        return []
    return sorted({t for t in raw if isinstance(t, str) and t in _TRANSPORTS})


def _descriptor(passkey: Passkey) -> PublicKeyCredentialDescriptor:
    from webauthn.helpers import base64url_to_bytes

    transports = [AuthenticatorTransport(t) for t in passkey.transports or [] if t in _TRANSPORTS]
    return PublicKeyCredentialDescriptor(
        id=base64url_to_bytes(passkey.credential_id), transports=transports or None
    )


def _recent_login() -> bool:
    record = g.get("user_session")
    return record is not None and utcnow() - record.created_at <= RECENT_LOGIN


def _user_passkeys(user_id: uuid.UUID) -> list[Passkey]:
    return list(
        db.session.scalars(
            sa.select(Passkey).where(Passkey.user_id == user_id).order_by(Passkey.created_at)
        )
    )


def _verify_assertion(
    credential: dict[str, Any],
    ceremony: PasskeyChallenge,
    *,
    expected_user: uuid.UUID | None,
    require_user_verification: bool,
) -> tuple[Passkey | None, str, uuid.UUID | None]:
    """Check an assertion against *ceremony*.

    Returns the passkey used (None when refused), the reason for a refusal, and the owner of
    the credential presented (for the security log), when it is known.
    """
    rp_id, origin = relying_party()
    credential_id = _credential_id_of(credential)
    passkey = (
        db.session.scalar(
            sa.select(Passkey).where(Passkey.credential_id == credential_id).with_for_update()
        )
        if credential_id
        else None
    )
    if passkey is None:
        return None, "unknown_credential", None
    owner = passkey.user_id
    if expected_user is not None and owner != expected_user:
        return None, "credential_of_another_user", owner
    response = credential.get("response")
    handle = response.get("userHandle") if isinstance(response, dict) else None
    if handle:
        from webauthn.helpers import base64url_to_bytes

        try:
            if base64url_to_bytes(str(handle)) != _user_handle(owner):
                return None, "user_handle_mismatch", owner
        except ValueError:
            return None, "user_handle_mismatch", owner
    if ceremony.challenge is None:
        return None, "no_challenge", owner
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=ceremony.challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=require_user_verification,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError, IndexError) as exc:
        reason = str(exc)[:200]
        if "sign count" in reason:
            audit.record(
                "passkey.sign_count_regressed",
                user_id=passkey.user_id,
                subject=passkey.id,
                detail={"stored": passkey.sign_count},
            )
        return None, reason, owner
    passkey.sign_count = verified.new_sign_count
    passkey.backed_up = bool(verified.credential_backed_up)
    passkey.last_used_at = utcnow()
    return passkey, "", owner


# --------------------------------------------------------------------------------------- views

bp = Blueprint("passkeys", __name__, template_folder="templates")
classify_blueprint(bp, USER)


@bp.app_template_global()
def user_passkeys() -> list[Passkey]:
    """The signed-in user's passkeys, for the account page's passkey section."""
    if not current_user.is_authenticated:
        return []
    return _user_passkeys(current_user.id)


@bp.app_template_global()
def passkey_after_password() -> bool:
    if not current_user.is_authenticated:
        return False
    return second_factor_required(current_user)


@bp.route("/account/passkeys")
def index() -> str:
    passkeys = _user_passkeys(current_user.id)
    pref = _preference(current_user.id)
    return render_template(
        "accounts/passkeys.html",
        passkeys=passkeys,
        add_form=AddPasskeyForm(),
        second_factor_form=SecondFactorForm(
            require_after_password=bool(pref and pref.require_after_password)
        ),
        needs_password=not _recent_login(),
        second_factor_on=bool(pref and pref.require_after_password) and bool(passkeys),
    )


@bp.route("/account/passkeys/register/options", methods=["POST"])
@limiter.limit("20 per 5 minutes", key_func=lambda: str(current_user.get_id()))
def register_options() -> Response | tuple[Response, int]:
    """Step 1 of adding a passkey: check the password (or a recent login), send the options."""
    form = AddPasskeyForm()
    if not form.validate_on_submit():
        errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
        return _json_error(" ".join(errors) or _("Please check the form and try again."))
    user: User = current_user._get_current_object()
    if not _recent_login():
        if not form.password.data:
            return _json_error(_("Enter your password to add a passkey."))
        if not check_password_hash(user.password_hash, form.password.data):
            audit.record("passkey.reauth_failed", user_id=user.id, actor_id=user.id)
            keep_changes_on_error()
            return _json_error(_("That password is not right."))
    rp_id, _origin = relying_party()
    existing = _user_passkeys(user.id)
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name="Minimin",
        user_id=_user_handle(user.id),
        user_name=user.email,
        user_display_name=user.full_name or user.email,
        timeout=CEREMONY_TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            require_resident_key=True,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[_descriptor(p) for p in existing],
    )
    _new_ceremony(REGISTER, user_id=user.id, challenge=options.challenge, name=form.name.data)
    return Response(options_to_json(options), mimetype="application/json")


@bp.route("/account/passkeys/register/verify", methods=["POST"])
def register_verify() -> Response | tuple[Response, int]:
    """Step 2 of adding a passkey: check the authenticator's attestation and store the key."""
    ceremony = _consume_ceremony(REGISTER)
    user: User = current_user._get_current_object()
    if ceremony is None or ceremony.user_id != user.id or ceremony.challenge is None:
        return _json_error(_("That request has expired. Please try again."))
    credential = _read_credential()
    credential_id = _credential_id_of(credential) if credential else None
    if credential is None or credential_id is None:
        return _json_error(_("The browser did not send a passkey. Please try again."))
    rp_id, origin = relying_party()
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=ceremony.challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            require_user_verification=True,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError, IndexError) as exc:
        current_app.logger.info("passkey registration refused: %s", exc)
        audit.record(
            "passkey.add_failed",
            user_id=user.id,
            actor_id=user.id,
            detail={"reason": str(exc)[:200]},
        )
        return _json_error(_("This passkey could not be checked, so it was not added."))
    stored_id = bytes_to_base64url(verified.credential_id)
    if stored_id != credential_id:
        return _json_error(_("This passkey could not be checked, so it was not added."))
    if db.session.scalar(sa.select(Passkey.id).where(Passkey.credential_id == stored_id)):
        return _json_error(_("This passkey is already registered."))
    passkey = Passkey(
        user_id=user.id,
        credential_id=stored_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=_transports_of(credential) or None,
        name=ceremony.name or _("Passkey"),
        backed_up=bool(verified.credential_backed_up),
    )
    db.session.add(passkey)
    db.session.flush()
    audit.record(
        "passkey.added",
        user_id=user.id,
        actor_id=user.id,
        subject=passkey.id,
        detail={"name": passkey.name},
    )
    flash(_("Passkey “%(name)s” added.", name=passkey.name), "success")
    return jsonify({"redirect": url_for("passkeys.index")})


@bp.route("/account/passkeys/<passkey_id>/rename", methods=["GET", "POST"])
def rename(passkey_id: str) -> Response | str | tuple[str, int]:
    passkey = owned_or_404(Passkey, passkey_id)
    form = RenamePasskeyForm(obj=passkey if request.method == "GET" else None)
    if form.validate_on_submit():
        old = passkey.name
        passkey.name = form.name.data or passkey.name
        audit.record(
            "passkey.renamed",
            user_id=current_user.id,
            actor_id=current_user.id,
            subject=passkey.id,
            detail={"from": old, "to": passkey.name},
        )
        flash(_("Passkey renamed."), "success")
        return redirect(url_for("passkeys.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/passkeys_rename.html", form=form, passkey=passkey), status


@bp.route("/account/passkeys/<passkey_id>/remove", methods=["GET", "POST"])
def remove(passkey_id: str) -> Response | str | tuple[str, int]:
    passkey = owned_or_404(Passkey, passkey_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = passkey.name
        db.session.delete(passkey)
        db.session.flush()
        audit.record(
            "passkey.removed",
            user_id=current_user.id,
            actor_id=current_user.id,
            subject=passkey.id,
            detail={"name": name},
        )
        pref = _preference(current_user.id)
        if pref is not None and pref.require_after_password and not _passkey_count(current_user.id):
            # Without a passkey the second factor could never be given: switch it off, loudly.
            pref.require_after_password = False
            audit.record(
                "passkey.second_factor_off",
                user_id=current_user.id,
                actor_id=current_user.id,
                detail={"reason": "last passkey removed"},
            )
            flash(
                _("You have no passkeys left, so signing in needs only your password now."),
                "warning",
            )
        flash(_("Passkey “%(name)s” removed.", name=name), "success")
        return redirect(url_for("passkeys.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/passkeys_remove.html", form=form, passkey=passkey), status


@bp.route("/account/passkeys/second-factor", methods=["POST"])
def set_second_factor() -> Response | str | tuple[str, int]:
    form = SecondFactorForm()
    user: User = current_user._get_current_object()
    if form.validate_on_submit():
        if not check_password_hash(user.password_hash, form.password.data or ""):
            form.password.errors.append(_("That password is not right."))
            audit.record("passkey.reauth_failed", user_id=user.id, actor_id=user.id)
            keep_changes_on_error()
        elif form.require_after_password.data and not _passkey_count(user.id):
            form.require_after_password.errors.append(
                _("Add a passkey first: without one you could not sign in.")
            )
        else:
            wanted = bool(form.require_after_password.data)
            pref = _preference(user.id)
            if pref is None:
                pref = PasskeyPreference(user_id=user.id, require_after_password=False)
                db.session.add(pref)
            if pref.require_after_password != wanted:
                pref.require_after_password = wanted
                audit.record(
                    "passkey.second_factor_on" if wanted else "passkey.second_factor_off",
                    user_id=user.id,
                    actor_id=user.id,
                )
            flash(
                _("Signing in now asks for a passkey after your password.")
                if wanted
                else _("Signing in now needs only your password (or a passkey alone)."),
                "success",
            )
            return redirect(url_for("passkeys.index"))
    passkeys = _user_passkeys(user.id)
    pref = _preference(user.id)
    return render_template(
        "accounts/passkeys.html",
        passkeys=passkeys,
        add_form=AddPasskeyForm(),
        second_factor_form=form,
        needs_password=not _recent_login(),
        second_factor_on=bool(pref and pref.require_after_password) and bool(passkeys),
    ), 400


# ------------------------------------------------------------------------- signing in: passkey


@bp.route("/login/passkey")
@public
def login() -> Response | str:
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = PasskeyLoginForm(next=request.args.get("next", ""))
    return render_template("accounts/passkeys_login.html", form=form)


@bp.route("/login/passkey/options", methods=["POST"])
@public
@limiter.limit("30 per 5 minutes")
def login_options() -> Response:
    """Options for signing in with a passkey alone: any discoverable credential, verified user."""
    form = PasskeyLoginForm()
    form.validate()  # only the CSRF token matters, and CSRFProtect has already checked it
    rp_id, _origin = relying_party()
    options = generate_authentication_options(
        rp_id=rp_id,
        timeout=CEREMONY_TIMEOUT_MS,
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    _new_ceremony(LOGIN, challenge=options.challenge, next_url=safe_next(form.next.data))
    return Response(options_to_json(options), mimetype="application/json")


@bp.route("/login/passkey/verify", methods=["POST"])
@public
@limiter.limit("30 per 5 minutes")
def login_verify() -> Response | tuple[Response, int]:
    ceremony = _consume_ceremony(LOGIN)
    if ceremony is None:
        return _json_error(_("That sign-in request has expired. Please try again."))
    credential = _read_credential()
    if credential is None:
        return _json_error(_("The browser did not send a passkey. Please try again."))
    passkey, reason, owner = _verify_assertion(
        credential, ceremony, expected_user=None, require_user_verification=True
    )
    user = db.session.get(User, passkey.user_id) if passkey else None
    if passkey is None or user is None or not user.is_verified:
        audit.record(
            "login.passkey_failed",
            user_id=owner,
            detail={"reason": reason or "unverified account"},
        )
        return _json_error(_("That passkey could not sign you in."))
    next_url = ceremony.next_url or "/"
    auth.start_session(user)
    audit.record("login.passkey", user_id=user.id, actor_id=user.id, subject=passkey.id)
    return jsonify({"redirect": safe_next(next_url)})


# ------------------------------------------------------------------- signing in: second factor


@bp.route("/login/passkey/second-factor")
@public
def second_factor() -> Response | str:
    ceremony = _current_ceremony(SECOND_FACTOR)
    if ceremony is None:
        flash(_("Please sign in again."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/passkeys_second_factor.html", form=ConfirmForm())


@bp.route("/login/passkey/second-factor/options", methods=["POST"])
@public
@limiter.limit("30 per 5 minutes")
def second_factor_options() -> Response | tuple[Response, int]:
    ceremony = _current_ceremony(SECOND_FACTOR)
    if ceremony is None or ceremony.user_id is None:
        return _json_error(_("Please sign in again."))
    rp_id, _origin = relying_party()
    options = generate_authentication_options(
        rp_id=rp_id,
        timeout=CEREMONY_TIMEOUT_MS,
        allow_credentials=[_descriptor(p) for p in _user_passkeys(ceremony.user_id)],
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    ceremony.challenge = options.challenge
    ceremony.expires_at = utcnow() + CHALLENGE_TTL
    return Response(options_to_json(options), mimetype="application/json")


@bp.route("/login/passkey/second-factor/verify", methods=["POST"])
@public
@limiter.limit("30 per 5 minutes")
def second_factor_verify() -> Response | tuple[Response, int]:
    ceremony = _consume_ceremony(SECOND_FACTOR)
    if ceremony is None or ceremony.user_id is None:
        return _json_error(_("Please sign in again."))
    credential = _read_credential()
    if credential is None:
        return _json_error(_("The browser did not send a passkey. Please sign in again."))
    passkey, reason, owner = _verify_assertion(
        credential, ceremony, expected_user=ceremony.user_id, require_user_verification=False
    )
    user = db.session.get(User, ceremony.user_id)
    if passkey is None or user is None or not user.is_verified:
        audit.record(
            "login.second_factor_failed",
            user_id=ceremony.user_id,
            detail={
                "reason": reason or "unverified account",
                "other_user": owner not in (None, ceremony.user_id),
            },
        )
        return _json_error(_("That passkey could not confirm it is you. Please sign in again."))
    next_url = ceremony.next_url or "/"
    auth.start_session(user)
    audit.record("login.second_factor", user_id=user.id, actor_id=user.id, subject=passkey.id)
    return jsonify({"redirect": safe_next(next_url)})
