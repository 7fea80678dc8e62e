"""The email log pages: the list with its filters and one email's redacted copy."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from minimin.core.mail import OutboundEmail
from minimin.core.security import USER, classify_blueprint
from minimin.core.tenancy import owned_or_404
from minimin.core.web import page_count, page_number
from minimin.emaillog import listing

bp = Blueprint("emaillog", __name__, template_folder="templates")
classify_blueprint(bp, USER)


@bp.route("/emails")
def index() -> str:
    filters = listing.Filters.from_args(request.args)
    page = page_number(request.args)
    rows, total = listing.page_of(current_user.id, filters, page)
    return render_template(
        "emaillog/index.html",
        rows=rows,
        total=total,
        page=page,
        pages=page_count(total, listing.PAGE_SIZE),
        filters=filters,
        status_labels=listing.STATUS_LABELS,
        kind_labels=listing.KIND_LABELS,
    )


@bp.route("/emails/<email_id>")
def detail(email_id: str) -> str:
    email = owned_or_404(OutboundEmail, email_id)
    return render_template(
        "emaillog/detail.html",
        email=email,
        status_labels=listing.STATUS_LABELS,
        kind_labels=listing.KIND_LABELS,
        resend=listing.RESEND_ENDPOINTS.get(email.kind),
    )
