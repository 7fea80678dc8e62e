"""Client and agency pages: thin views over contacts.services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.utils import secure_filename
from werkzeug.wrappers import Response

from minimin.contacts import services, statement
from minimin.contacts.forms import AgencyForm, ClientForm
from minimin.contacts.kinds import KINDS_OF_WORK, kind_label
from minimin.contacts.models import Agency, Client
from minimin.core import listing_params
from minimin.core.security import USER, classify_blueprint
from minimin.core.tenancy import owned_or_404
from minimin.core.web import ConfirmForm, ViewResult

bp = Blueprint("contacts", __name__, template_folder="templates")
classify_blueprint(bp, USER)


@bp.app_template_filter("percent_value")
def percent_value(value: Decimal | None) -> str:
    """``Decimal("12.500")`` → ``12.5%`` (blank for None)."""
    if value is None:
        return ""
    return format_decimal(Decimal(value).normalize(), format="#,##0.###") + "%"


def _invalid(template: str, **context: Any) -> tuple[str, int]:
    # 400 rolls the request transaction back: nothing of an invalid form is stored.
    return render_template(template, **context), 400


def _list(model: type[Any], template: str) -> str:
    query = services.ListQuery.from_args(request.args)
    page = services.list_contacts(model, current_user.id, query)
    return render_template(template, page=page, query=query, confirm=ConfirmForm())


def _csv(model: type[Any], filename: str) -> Response:
    """The list as it is searched and sorted, every page, as a formula-safe CSV."""
    query = services.ListQuery.from_args(request.args)
    rows = services.all_contacts(model, current_user.id, query)
    header = [_("Name"), _("Contact"), _("Email"), _("Phone"), _("VAT number")]
    header += [_("Payment terms (days)"), _("Added")]
    return listing_params.csv_response(
        filename,
        header,
        rows,
        lambda c: [
            c.name,
            c.contact_name,
            c.email,
            c.phone,
            c.vat_number,
            c.payment_terms_days,
            c.created_at.date(),
        ],
    )


# --------------------------------------------------------------------------- clients


@bp.route("/clients")
def clients() -> str:
    return _list(Client, "contacts/client_list.html")


@bp.route("/clients.csv")
def clients_csv() -> Response:
    return _csv(Client, "clients.csv")


@bp.route("/clients/new", methods=["GET", "POST"])
def client_new() -> ViewResult:
    form = ClientForm()
    if form.validate_on_submit():
        client = services.create_client(current_user.id, form.to_input())
        flash(_("Client %(name)s added.", name=client.name), "success")
        return redirect(url_for("contacts.client_detail", client_id=client.id))
    if request.method == "POST":
        return _invalid("contacts/client_form.html", form=form, client=None)
    return render_template("contacts/client_form.html", form=form, client=None)


@bp.route("/clients/<client_id>")
def client_detail(client_id: str) -> str:
    client = owned_or_404(Client, client_id)
    return render_template(
        "contacts/client_detail.html",
        client=client,
        confirm=ConfirmForm(),
        **_account_context(client, client_id=client.id),
    )


@bp.route("/clients/<client_id>/statement.pdf")
def client_statement(client_id: str) -> Response:
    client = owned_or_404(Client, client_id)
    return _statement_pdf(client, client_id=client.id)


def _account_context(contact: Any, **owner: Any) -> dict[str, Any]:
    today = services.today_london()
    account = statement.account_of(current_user.id, today, **owner)
    return statement.statement_context(
        contact, account, today, activity=statement.activity(current_user.id, **owner)
    )


def _statement_pdf(contact: Any, **owner: Any) -> Response:
    """The statement as a PDF, drawn by the invoices' PDF machinery (local resources only)."""
    from minimin.business.services import get_profile
    from minimin.invoices import documents, pdf

    today = services.today_london()
    account = statement.account_of(current_user.id, today, **owner)
    profile = get_profile(current_user.id)
    supplier = documents.supplier_snapshot(profile) if profile else {"name": ""}
    html = render_template(
        "contacts/statement_pdf.html",
        supplier=supplier,
        money=pdf.money,
        **statement.statement_context(contact, account, today),
    )
    name = secure_filename(f"statement-{contact.name}-{today.isoformat()}.pdf") or "statement.pdf"
    return Response(
        pdf.render_pdf(html),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route("/clients/<client_id>/edit", methods=["GET", "POST"])
def client_edit(client_id: str) -> ViewResult:
    client = owned_or_404(Client, client_id)
    form = ClientForm(obj=client)
    if form.validate_on_submit():
        services.update_client(client, form.to_input())
        flash(_("Client %(name)s saved.", name=client.name), "success")
        return redirect(url_for("contacts.client_detail", client_id=client.id))
    if request.method == "POST":
        return _invalid("contacts/client_form.html", form=form, client=client)
    return render_template("contacts/client_form.html", form=form, client=client)


@bp.route("/clients/<client_id>/archive", methods=["POST"])
def client_archive(client_id: str) -> Response:
    client = owned_or_404(Client, client_id)
    if ConfirmForm().validate_on_submit():
        services.archive(client)
        flash(_("Client %(name)s archived.", name=client.name), "success")
    return redirect(url_for("contacts.client_detail", client_id=client.id))


@bp.route("/clients/<client_id>/unarchive", methods=["POST"])
def client_unarchive(client_id: str) -> Response:
    client = owned_or_404(Client, client_id)
    if ConfirmForm().validate_on_submit():
        services.unarchive(client)
        flash(_("Client %(name)s restored from the archive.", name=client.name), "success")
    return redirect(url_for("contacts.client_detail", client_id=client.id))


@bp.route("/clients/<client_id>/delete", methods=["GET", "POST"])
def client_delete(client_id: str) -> ViewResult:
    client = owned_or_404(Client, client_id)
    return _delete(client, "contacts.clients", "contacts.client_detail", "client_id")


# --------------------------------------------------------------------------- agencies


@bp.route("/agencies")
def agencies() -> str:
    return _list(Agency, "contacts/agency_list.html")


@bp.route("/agencies.csv")
def agencies_csv() -> Response:
    return _csv(Agency, "agencies.csv")


def _agency_form_page(form: AgencyForm, agency: Agency | None, status: int = 200) -> ViewResult:
    html = render_template("contacts/agency_form.html", form=form, agency=agency)
    return (html, status) if status != 200 else html


@bp.route("/agencies/new", methods=["GET", "POST"])
def agency_new() -> ViewResult:
    form = AgencyForm()
    if form.validate_on_submit():
        agency = services.create_agency(current_user.id, form.to_input())
        flash(_("Agency %(name)s added.", name=agency.name), "success")
        return redirect(url_for("contacts.agency_detail", agency_id=agency.id))
    return _agency_form_page(form, None, 400 if request.method == "POST" else 200)


@bp.route("/agencies/<agency_id>")
def agency_detail(agency_id: str) -> str:
    agency = owned_or_404(Agency, agency_id)
    return render_template(
        "contacts/agency_detail.html",
        agency=agency,
        kinds=KINDS_OF_WORK,
        kind_label=kind_label,
        confirm=ConfirmForm(),
        **_account_context(agency, agency_id=agency.id),
    )


@bp.route("/agencies/<agency_id>/statement.pdf")
def agency_statement(agency_id: str) -> Response:
    agency = owned_or_404(Agency, agency_id)
    return _statement_pdf(agency, agency_id=agency.id)


@bp.route("/agencies/<agency_id>/edit", methods=["GET", "POST"])
def agency_edit(agency_id: str) -> ViewResult:
    agency = owned_or_404(Agency, agency_id)
    form = AgencyForm(obj=agency)
    if request.method == "GET":
        form.fill_rates(agency)
    if form.validate_on_submit():
        services.update_agency(agency, form.to_input())
        flash(_("Agency %(name)s saved.", name=agency.name), "success")
        return redirect(url_for("contacts.agency_detail", agency_id=agency.id))
    return _agency_form_page(form, agency, 400 if request.method == "POST" else 200)


@bp.route("/agencies/<agency_id>/archive", methods=["POST"])
def agency_archive(agency_id: str) -> Response:
    agency = owned_or_404(Agency, agency_id)
    if ConfirmForm().validate_on_submit():
        services.archive(agency)
        flash(_("Agency %(name)s archived.", name=agency.name), "success")
    return redirect(url_for("contacts.agency_detail", agency_id=agency.id))


@bp.route("/agencies/<agency_id>/unarchive", methods=["POST"])
def agency_unarchive(agency_id: str) -> Response:
    agency = owned_or_404(Agency, agency_id)
    if ConfirmForm().validate_on_submit():
        services.unarchive(agency)
        flash(_("Agency %(name)s restored from the archive.", name=agency.name), "success")
    return redirect(url_for("contacts.agency_detail", agency_id=agency.id))


@bp.route("/agencies/<agency_id>/delete", methods=["GET", "POST"])
def agency_delete(agency_id: str) -> ViewResult:
    agency = owned_or_404(Agency, agency_id)
    return _delete(agency, "contacts.agencies", "contacts.agency_detail", "agency_id")


# --------------------------------------------------------------------------- shared


def _delete(
    obj: Client | Agency, list_endpoint: str, detail_endpoint: str, id_arg: str
) -> ViewResult:
    form = ConfirmForm()
    is_client = isinstance(obj, Client)
    id_value: dict[str, Any] = {id_arg: obj.id}
    context = {
        "obj": obj,
        "form": form,
        "is_client": is_client,
        "detail_url": url_for(detail_endpoint, **id_value),
        "archive_url": url_for(
            "contacts.client_archive" if is_client else "contacts.agency_archive",
            **id_value,
        ),
    }
    if request.method == "POST" and form.validate_on_submit():
        try:
            services.delete(obj, actor_id=current_user.id)
        except services.ContactInUse as refused:
            return render_template(
                "contacts/confirm_delete.html", references=refused.references, **context
            ), 409
        flash(_("%(name)s was deleted.", name=obj.name), "success")
        return redirect(url_for(list_endpoint))
    status = 400 if request.method == "POST" else 200
    html = render_template(
        "contacts/confirm_delete.html", references=services.references_to(obj), **context
    )
    return (html, status) if status != 200 else html
