"""Presenting a passkey: the authentication ceremonies.

* signing in with a passkey alone (any discoverable credential, user verified);
* a passkey after the password, when the user asked for a second factor;
* confirming a sensitive action of a signed-in user (another feature asks, e.g. deletion).

All three check the assertion through :func:`_verify_assertion`: the credential must be known
(and the expected user's), the user handle must match, and the signature counter must grow
(unless the authenticator never counts, both counters zero), else the credential may have been
cloned.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from webauthn import (
    generate_authentication_options,
    options_to_json,
    verify_authentication_response,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import UserVerificationRequirement
from werkzeug.wrappers import Response

from minimin.accounts import auth
from minimin.accounts.models import User
from minimin.accounts.passkeys import store
from minimin.accounts.passkeys.blueprint import bp
from minimin.accounts.passkeys.ceremony import (
    CEREMONY_TIMEOUT_MS,
    CHALLENGE_TTL,
    CONFIRM,
    LOGIN,
    SECOND_FACTOR,
    _consume_ceremony,
    _credential_id_of,
    _current_ceremony,
    _descriptor,
    _new_ceremony,
    _read_credential,
    _user_handle,
    relying_party,
)
from minimin.accounts.passkeys.forms import PasskeyLoginForm
from minimin.accounts.passkeys.models import (
    Passkey,
    PasskeyChallenge,
    _passkey_count,
    _user_passkeys,
)
from minimin.core import audit
from minimin.core.db import utcnow
from minimin.core.security import public, safe_next
from minimin.core.web import ConfirmForm, problem_response
from minimin.extensions import limiter


def second_factor_required(user: User) -> bool:
    """True when *user* asked for a passkey after the password and still has a passkey."""
    if not store.second_factor_wanted(user.id):
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
    passkey = store.passkey_for_update(credential_id) if credential_id else None
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
        return problem_response(400, _("That sign-in request has expired. Please try again."))
    credential = _read_credential()
    if credential is None:
        return problem_response(400, _("The browser did not send a passkey. Please try again."))
    passkey, reason, owner = _verify_assertion(
        credential, ceremony, expected_user=None, require_user_verification=True
    )
    user = store.account(passkey.user_id) if passkey else None
    if passkey is None or user is None or not user.is_verified:
        audit.record(
            "login.passkey_failed",
            user_id=owner,
            detail={"reason": reason or "unverified account"},
        )
        return problem_response(400, _("That passkey could not sign you in."))
    next_url = ceremony.next_url or "/"
    auth.start_session(user)
    audit.record("login.passkey", user_id=user.id, actor_id=user.id, subject=passkey.id)
    return jsonify({"redirect": safe_next(next_url)})


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
        return problem_response(400, _("Please sign in again."))
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
        return problem_response(400, _("Please sign in again."))
    credential = _read_credential()
    if credential is None:
        return problem_response(400, _("The browser did not send a passkey. Please sign in again."))
    passkey, reason, owner = _verify_assertion(
        credential, ceremony, expected_user=ceremony.user_id, require_user_verification=False
    )
    user = store.account(ceremony.user_id)
    if passkey is None or user is None or not user.is_verified:
        audit.record(
            "login.second_factor_failed",
            user_id=ceremony.user_id,
            detail={
                "reason": reason or "unverified account",
                "other_user": owner not in (None, ceremony.user_id),
            },
        )
        return problem_response(
            400, _("That passkey could not confirm it is you. Please sign in again.")
        )
    next_url = ceremony.next_url or "/"
    auth.start_session(user)
    audit.record("login.second_factor", user_id=user.id, actor_id=user.id, subject=passkey.id)
    return jsonify({"redirect": safe_next(next_url)})
