"""Stripe settings and the per-user webhook endpoint."""

from __future__ import annotations

import uuid

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from minimin.core.audit import record
from minimin.core.security import USER, classify_blueprint, webhook
from minimin.core.web import ConfirmForm, ViewResult, problem_response
from minimin.payments import services
from minimin.payments.forms import StripeConnectForm

bp = Blueprint("payments", __name__, template_folder="templates")
classify_blueprint(bp, USER)

#: Stripe sends small JSON bodies; anything bigger is not an event.
MAX_WEBHOOK_BYTES = 512 * 1024


@bp.route("/settings/payments", methods=["GET", "POST"])
def settings() -> ViewResult:
    account = services.stripe_account(current_user.id)
    form = StripeConnectForm()
    if form.validate_on_submit():
        account = services.connect(
            current_user.id,
            secret_key=form.secret_key.data or "",
            webhook_secret=form.webhook_secret.data or "",
        )
        record("stripe.connected", user_id=current_user.id, actor_id=current_user.id)
        flash(_("Stripe is connected. Issued invoices now offer card payment."), "success")
        return redirect(url_for("payments.settings"))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "payments/settings.html",
        form=form,
        account=account,
        webhook_url=services.webhook_url(account) if account else None,
        events=services.recent_events(current_user.id) if account else [],
        confirm=ConfirmForm(),
    ), status


@bp.route("/settings/payments/disconnect", methods=["POST"])
def disconnect() -> ViewResult:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.disconnect(current_user.id)
    record("stripe.disconnected", user_id=current_user.id, actor_id=current_user.id)
    flash(_("Stripe is disconnected; its keys were deleted."), "success")
    return redirect(url_for("payments.settings"))


@bp.route("/payments/stripe/webhook/<uuid:webhook_id>", methods=["POST"])
@webhook
def stripe_webhook(webhook_id: uuid.UUID) -> Response | tuple[Response, int]:
    account = services.account_for_webhook(webhook_id)
    if account is None:
        abort(404)
    if (request.content_length or 0) > MAX_WEBHOOK_BYTES:
        return problem_response(413, "too large")
    payload = request.get_data(cache=False, as_text=False)
    try:
        event = services.verify(account, payload, request.headers.get("Stripe-Signature"))
    except services.BadWebhook:
        return problem_response(400, "invalid signature")
    new, outcome = services.handle_event(account, event)
    return jsonify(received=True, duplicate=not new, outcome=outcome), 200
