"""Adding a passkey: the registration ceremony.

Step 1 checks the password (or a sign-in within :data:`RECENT_LOGIN`) and sends the options;
step 2 checks the authenticator's attestation and stores the public key. Passkeys are
discoverable and user-verified, so that one can later sign in alone.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, g, jsonify, url_for
from flask_babel import gettext as _
from flask_login import current_user
from webauthn import generate_registration_options, options_to_json, verify_registration_response
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)
from werkzeug.wrappers import Response

from minimin.accounts import throttle
from minimin.accounts.inputs import PasskeyInput
from minimin.accounts.models import User
from minimin.accounts.passkeys import services, store
from minimin.accounts.passkeys.blueprint import bp
from minimin.accounts.passkeys.ceremony import (
    CEREMONY_TIMEOUT_MS,
    REGISTER,
    _consume_ceremony,
    _credential_id_of,
    _descriptor,
    _new_ceremony,
    _read_credential,
    _transports_of,
    _user_handle,
    relying_party,
)
from minimin.accounts.passkeys.forms import AddPasskeyForm
from minimin.accounts.passkeys.models import _user_passkeys
from minimin.core import audit
from minimin.core.db import utcnow
from minimin.core.transaction import keep_changes_on_error
from minimin.core.web import problem_response
from minimin.extensions import limiter

#: Adding a passkey without typing the password again is allowed this soon after signing in.
RECENT_LOGIN = timedelta(minutes=5)


def _recent_login() -> bool:
    record = g.get("user_session")
    return record is not None and utcnow() - record.created_at <= RECENT_LOGIN


@bp.route("/account/passkeys/register/options", methods=["POST"])
@limiter.limit("20 per 5 minutes", key_func=lambda: str(current_user.get_id()))
def register_options() -> Response | tuple[Response, int]:
    """Step 1 of adding a passkey: check the password (or a recent login), send the options."""
    form = AddPasskeyForm()
    if not form.validate_on_submit():
        errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
        return problem_response(400, " ".join(errors) or _("Please check the form and try again."))
    user: User = current_user._get_current_object()
    if not _recent_login():
        if not form.password.data:
            return problem_response(400, _("Enter your password to add a passkey."))
        # Imported here: accounts.services builds on this package.
        from minimin.accounts.services import recheck_password

        # Counted with every other password check of a signed-in user (per account and per
        # IP address), so this form cannot be used to guess the password.
        check = recheck_password(
            user, form.password.data, "add_passkey", failed_action="passkey.reauth_failed"
        )
        if check.retry_after:
            return throttle.too_many(check.retry_after)
        if not check.matches:
            keep_changes_on_error()
            return problem_response(400, _("That password is not right."))
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
        return problem_response(400, _("That request has expired. Please try again."))
    credential = _read_credential()
    credential_id = _credential_id_of(credential) if credential else None
    if credential is None or credential_id is None:
        return problem_response(400, _("The browser did not send a passkey. Please try again."))
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
        return problem_response(400, _("This passkey could not be checked, so it was not added."))
    stored_id = bytes_to_base64url(verified.credential_id)
    if stored_id != credential_id:
        return problem_response(400, _("This passkey could not be checked, so it was not added."))
    if store.credential_registered(stored_id):
        return problem_response(400, _("This passkey is already registered."))
    passkey = services.add_passkey(
        user.id,
        PasskeyInput(
            credential_id=stored_id,
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
            transports=tuple(_transports_of(credential)),
            name=ceremony.name or _("Passkey"),
            backed_up=bool(verified.credential_backed_up),
        ),
    )
    flash(_("Passkey “%(name)s” added.", name=passkey.name), "success")
    return jsonify({"redirect": url_for("passkeys.index")})
