"""Signature pages. The sender's side (``/documents/<id>/signing``, ``/documents/signing/<id>``:
send, remind, void, sign as the account holder, download the signed copy) and the signer's
public page behind their link (``/sign/<token>``: token access, no account, no referrer)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.wrappers import Response

from minimin.core.crypto import hash_token
from minimin.core.security import TOKEN, USER, classify_blueprint
from minimin.core.storage import storage
from minimin.core.tenancy import owned_or_404
from minimin.core.user_error import UserError
from minimin.core.web import ConfirmForm, ViewResult
from minimin.documents import services, signing
from minimin.documents.forms import (
    DeclineForm,
    OwnerSignForm,
    SendForm,
    SignForm,
)
from minimin.documents.models import COMPLETED, GeneratedDocument, SignatureRequest, Signer
from minimin.extensions import limiter

bp = Blueprint("signing", __name__, template_folder="templates")
classify_blueprint(bp, USER)
# The signature pad's script is served from here: the signer's page is public.
public_bp = Blueprint(
    "signing_public",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/sign/static",
)
classify_blueprint(public_bp, TOKEN)


def _signer_inputs() -> list[signing.SignerInput]:
    names = request.form.getlist("signer_name")
    emails = request.form.getlist("signer_email")
    return [
        signing.SignerInput(name[:300], email[:400])
        for name, email in zip(names, emails, strict=False)
    ][:20]


@bp.route("/documents/<document_id>/signing", methods=["POST"])
def send(document_id: str) -> ViewResult:
    document = owned_or_404(GeneratedDocument, document_id)
    form = SendForm()
    if not form.validate_on_submit():
        abort(400)
    signers = _signer_inputs()
    try:
        req = signing.send_for_signature(document, form.to_input(signers))
    except signing.SigningError as exc:
        page = render_template(
            "documents/detail.html", document=document, send=form, error=str(exc), signers=signers
        )
        return page, 400
    flash(_("Sent for signature."), "success")
    return redirect(url_for("signing.status", request_id=req.id))


@bp.route("/documents/signing/<request_id>")
def status(request_id: str) -> str:
    req = owned_or_404(SignatureRequest, request_id)
    me = signing.owner_signer(req)
    return render_template(
        "documents/signing_status.html",
        req=req,
        me=me,
        my_turn=me is not None
        and me.status == "pending"
        and req.status == "pending"
        and me in signing.services.due_signers(req),
        sign_form=OwnerSignForm(),
        confirm=ConfirmForm(),
    )


@bp.route("/documents/signing/<request_id>/sign", methods=["POST"])
def owner_sign(request_id: str) -> ViewResult:
    req = owned_or_404(SignatureRequest, request_id)
    form = OwnerSignForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        signing.owner_sign(req, form.to_input())
    except UserError as exc:  # a signing step or a drawing that cannot be accepted
        flash(str(exc), "error")
        return redirect(url_for("signing.status", request_id=req.id))
    flash(_("You have signed."), "success")
    return redirect(url_for("signing.status", request_id=req.id))


@bp.route("/documents/signing/<request_id>/remind", methods=["POST"])
def remind(request_id: str) -> Response:
    req = owned_or_404(SignatureRequest, request_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        count = signing.remind(req)
    except signing.SigningError as exc:
        flash(str(exc), "error")
    else:
        flash(
            ngettext(
                "Reminder sent to %(num)d signer, with a new link.",
                "Reminder sent to %(num)d signers, each with a new link.",
                count,
            ),
            "success",
        )
    return redirect(url_for("signing.status", request_id=req.id))


@bp.route("/documents/signing/<request_id>/void", methods=["POST"])
def void(request_id: str) -> Response:
    req = owned_or_404(SignatureRequest, request_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        signing.void(req)
    except signing.SigningError as exc:
        flash(str(exc), "error")
    else:
        flash(_("Voided: the signers' links no longer work."), "success")
    return redirect(url_for("signing.status", request_id=req.id))


def _signed_copy(req: SignatureRequest) -> Response:
    if req.status != COMPLETED or not req.signed_file_key:
        abort(404)
    return Response(
        storage().read(req.signed_file_key),
        mimetype="application/pdf",
        headers={"Content-Disposition": 'inline; filename="signed.pdf"'},
    )


@bp.route("/documents/signing/<request_id>/signed.pdf")
def signed_pdf(request_id: str) -> Response:
    return _signed_copy(owned_or_404(SignatureRequest, request_id))


# ----------------------------------------------------------------------------- signer page


def _signer(token: str) -> Signer:
    signer = signing.signer_for_token(token)
    if signer is None:
        abort(404)
    return signer


def _public_page(signer: Signer, token: str, status: int = 200, **extra: Any) -> ViewResult:
    context: dict[str, Any] = {
        "signer": signer,
        "req": signer.request,
        "document": signer.request.document,
        "token": token,
        "form": SignForm(),
        "decline_form": DeclineForm(),
        "confirm": ConfirmForm(),
        "error": None,
    }
    context.update(extra)
    page = render_template("documents/sign.html", **context)
    return (page, status) if status != 200 else page


@public_bp.route("/sign/<token>")
def view(token: str) -> ViewResult:
    signer = _signer(token)
    if signer.request.status == "pending":
        signing.record_view(signer)
    return _public_page(signer, token)


@public_bp.route("/sign/<token>", methods=["POST"])
def sign(token: str) -> ViewResult:
    signer = _signer(token)
    form = SignForm()
    if not form.validate_on_submit():
        return _public_page(signer, token, 400, form=form)
    try:
        signing.sign(signer, form.to_input())
    except UserError as exc:  # a signing step or a drawing that cannot be accepted
        return _public_page(signer, token, 400, form=form, error=str(exc))
    flash(_("Thank you: you have signed."), "success")
    return redirect(url_for("signing_public.view", token=token))


def _link_key() -> str:
    # Per link, not per address: a signer behind a shared network is not held up by others.
    return "sign-code:" + hash_token(str((request.view_args or {}).get("token", "")))


@public_bp.route("/sign/<token>/code", methods=["POST"])
@limiter.limit("5 per hour", key_func=_link_key)
def send_code(token: str) -> ViewResult:
    signer = _signer(token)
    if not ConfirmForm().validate_on_submit() or not signer.request.require_code:
        abort(400)
    try:
        signing.send_code(signer)
    except signing.SigningError as exc:
        return _public_page(signer, token, 400, error=str(exc))
    flash(_("A code is on its way to your email. It works for 15 minutes."), "success")
    return redirect(url_for("signing_public.view", token=token))


@public_bp.route("/sign/<token>/decline", methods=["POST"])
def decline(token: str) -> ViewResult:
    signer = _signer(token)
    form = DeclineForm()
    if not form.validate_on_submit():
        return _public_page(signer, token, 400, decline_form=form)
    try:
        signing.decline(signer, form.to_input())
    except signing.SigningError as exc:
        return _public_page(signer, token, 400, decline_form=form, error=str(exc))
    flash(_("You have declined. The sender has been told."), "success")
    return redirect(url_for("signing_public.done"))


@public_bp.route("/sign/done")
def done() -> str:
    return render_template("documents/sign_done.html")


@public_bp.route("/sign/<token>/document.pdf")
def document_pdf(token: str) -> Response:
    signer = _signer(token)
    return Response(
        services.pdf_bytes(signer.request.document),
        mimetype="application/pdf",
        headers={"Content-Disposition": 'inline; filename="document.pdf"'},
    )


@public_bp.route("/sign/<token>/signed.pdf")
def public_signed_pdf(token: str) -> Response:
    return _signed_copy(_signer(token).request)
