"""Document pages: the template library (``/documents/templates``), editing a template with a
preview on real data, generating a document for a job, client or agency, and the documents
list (``/documents``) with each document's PDF."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from minimin.core.forms import select_choices
from minimin.core.security import USER, classify_blueprint
from minimin.core.tenancy import owned_or_404, parse_uuid
from minimin.core.web import ConfirmForm, ViewResult
from minimin.documents import placeholders, services, signing, starters
from minimin.documents.forms import GenerateForm, SendForm, TemplateForm, VerifyForm
from minimin.documents.inputs import StarterInput
from minimin.documents.models import DocumentTemplate, GeneratedDocument

bp = Blueprint("documents", __name__, template_folder="templates")
classify_blueprint(bp, USER)


def _page(page_name: str, status: int = 200, **context: Any) -> ViewResult:
    page = render_template(page_name, **context)
    return (page, status) if status != 200 else page


@bp.route("/documents")
def index() -> str:
    return render_template(
        "documents/index.html",
        documents=services.documents_of(current_user.id),
        requests=signing.requests_of(current_user.id),
        verify=VerifyForm(),
    )


# ----------------------------------------------------------------------------- templates


@bp.route("/documents/templates")
def templates() -> str:
    return render_template(
        "documents/templates.html",
        templates=services.templates_of(current_user.id),
        starters=starters.STARTERS,
        confirm=ConfirmForm(),
    )


@bp.route("/documents/templates/copy", methods=["POST"])
def copy_starter() -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        template = services.copy_starter(
            current_user.id, StarterInput(starter=request.form.get("starter", ""))
        )
    except services.DocumentError:
        abort(404)
    flash(_("Template added: edit its wording to suit you."), "success")
    return redirect(url_for("documents.edit_template", template_id=template.id))


@bp.route("/documents/templates/new", methods=["GET", "POST"])
def new_template() -> ViewResult:
    form = TemplateForm()
    error = None
    if form.validate_on_submit():
        try:
            template = services.create_template(current_user.id, form.to_input())
        except services.DocumentError as exc:
            error = str(exc)
        else:
            flash(_("Template saved."), "success")
            return redirect(url_for("documents.edit_template", template_id=template.id))
    return _page(
        "documents/template_form.html",
        400 if form.is_submitted() else 200,
        form=form,
        template=None,
        error=error,
        allowed=placeholders.ALLOWED,
    )


def _preview_job(template: DocumentTemplate) -> tuple[Any, str | None]:
    from minimin.jobs.models import Job

    job_id = parse_uuid(request.args.get("job"))
    job = owned_or_404(Job, job_id) if job_id else None
    return job, services.fill(template, current_user.id, job=job) if job else None


@bp.route("/documents/templates/<template_id>", methods=["GET", "POST"])
def edit_template(template_id: str) -> ViewResult:
    template = owned_or_404(DocumentTemplate, template_id)
    form = TemplateForm(obj=template if request.method == "GET" else None)
    if request.method == "GET":
        form.body.data = template.current.body_html
    error = None
    if form.validate_on_submit():
        try:
            changed = services.save_template(template, form.to_input())
        except services.DocumentError as exc:
            error = str(exc)
        else:
            flash(
                _("Saved as version %(n)d.", n=template.current_version)
                if changed
                else _("Saved."),
                "success",
            )
            return redirect(url_for("documents.edit_template", template_id=template.id))
    job, preview = _preview_job(template)
    return _page(
        "documents/template_form.html",
        400 if form.is_submitted() else 200,
        form=form,
        template=template,
        error=error,
        allowed=placeholders.ALLOWED,
        jobs=_job_choices(),
        preview_job=job,
        preview=preview,
    )


# ----------------------------------------------------------------------------- documents


def _job_choices() -> list[tuple[str, str]]:
    return [
        (str(job_id), f"{title} ({starts_on:%d %b %Y})" if starts_on else title)
        for job_id, title, starts_on in services.job_choices(current_user.id)
    ]


def _generate_form() -> GenerateForm:
    from minimin.jobs.services import contact_choices

    form = GenerateForm()
    none = [("", _("None"))]
    form.template.choices = select_choices(
        [(str(t.id), t.name) for t in services.templates_of(current_user.id)]
    )
    form.job.choices = select_choices(none + _job_choices())
    clients, agencies = contact_choices(current_user.id)
    form.client.choices = select_choices(none + list(clients))
    form.agency.choices = select_choices(none + list(agencies))
    if request.method == "GET":
        form.job.data = request.args.get("job", "")
        form.template.data = request.args.get("template", "")
    return form


@bp.route("/documents/new", methods=["GET", "POST"])
def generate() -> ViewResult:
    form = _generate_form()
    error = None
    if form.validate_on_submit():
        try:
            document = services.generate(current_user.id, form.to_input())
        except services.DocumentError as exc:
            error = str(exc)
        else:
            flash(_("Document made."), "success")
            return redirect(url_for("documents.detail", document_id=document.id))
    return _page(
        "documents/generate.html",
        400 if form.is_submitted() else 200,
        form=form,
        error=error,
    )


@bp.route("/documents/<document_id>")
def detail(document_id: str) -> str:
    document = owned_or_404(GeneratedDocument, document_id)
    return render_template(
        "documents/detail.html", document=document, send=SendForm(), error=None, signers=[]
    )


@bp.route("/documents/<document_id>/pdf")
def pdf(document_id: str) -> Response:
    document = owned_or_404(GeneratedDocument, document_id)
    return Response(
        services.pdf_bytes(document),
        mimetype="application/pdf",
        headers={"Content-Disposition": 'inline; filename="document.pdf"'},
    )


@bp.route("/documents/verify", methods=["POST"])
def verify() -> ViewResult:
    """Whether an uploaded PDF is, byte for byte, one this account recorded."""
    form = VerifyForm()
    if not form.validate_on_submit():
        abort(400)
    upload = form.file.data
    data = upload.read(20 * 1024 * 1024 + 1) if upload else b""
    if not data:
        flash(_("Choose a PDF to check."), "error")
        return redirect(url_for("documents.index"))
    found = services.recorded_hash_matches(current_user.id, data)
    if found is None:
        flash(
            _(
                "This file does not match any document or signed copy recorded here: it is not one "
                "of them, or it has been changed."
            ),
            "error",
        )
    else:
        flash(
            _("This file matches a recorded document exactly: it has not been changed."), "success"
        )
    return redirect(url_for("documents.index"))


def job_documents(job_id: uuid.UUID) -> list[GeneratedDocument]:
    """The documents made for a job (the job page lists them)."""
    return services.documents_of(current_user.id, job_id=job_id)
