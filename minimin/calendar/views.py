"""Calendar pages: the feeds (create, rotate, revoke; a new link is shown once), the feed
itself behind its token, and the .ics import with its review step."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from minimin.calendar import importing, services
from minimin.calendar.forms import FeedForm, ImportForm
from minimin.calendar.inputs import CalendarImportInput
from minimin.calendar.models import CalendarFeed
from minimin.core.forms import select_choices
from minimin.core.security import TOKEN, USER, classify_blueprint
from minimin.core.tenancy import owned_or_404
from minimin.core.uploads import UploadError, read_limited
from minimin.core.web import ConfirmForm, ViewResult

bp = Blueprint("calendar", __name__, template_folder="templates")
classify_blueprint(bp, USER)
feed_bp = Blueprint("calendar_feed", __name__)
classify_blueprint(feed_bp, TOKEN)


def _feed_form() -> FeedForm:
    from minimin.jobs.services import contact_choices

    form = FeedForm()
    _clients, agencies = contact_choices(current_user.id)
    form.agency.choices = select_choices([("", _("Every job")), *agencies])
    return form


def _page(status: int = 200, **extra: Any) -> ViewResult:
    context: dict[str, Any] = {
        "feeds": services.feeds_of(current_user.id),
        "form": _feed_form(),
        "import_form": ImportForm(),
        "confirm": ConfirmForm(),
        "new_link": None,
        "error": None,
    }
    context.update(extra)
    page = render_template("calendar/feeds.html", **context)
    return (page, status) if status != 200 else page


def _link(token: str) -> str:
    return url_for("calendar_feed.ics", token=token, _external=True)


@bp.route("/calendar/feeds", methods=["GET", "POST"])
def feeds() -> ViewResult:
    if request.method == "GET":
        return _page()
    form = _feed_form()
    if not form.validate_on_submit():
        return _page(400, form=form)
    try:
        new = services.create_feed(current_user.id, form.to_input())
    except services.FeedError as exc:
        return _page(400, form=form, error=str(exc))
    # The link is shown on this response only: it is stored hashed and cannot be shown again.
    return _page(new_link=_link(new.token), new_name=new.feed.name)


@bp.route("/calendar/feeds/<feed_id>/rotate", methods=["POST"])
def rotate(feed_id: str) -> ViewResult:
    row = owned_or_404(CalendarFeed, feed_id)
    if row.revoked_at is not None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    new = services.rotate(row)
    return _page(new_link=_link(new.token), new_name=row.name)


@bp.route("/calendar/feeds/<feed_id>/revoke", methods=["POST"])
def revoke(feed_id: str) -> Response:
    row = owned_or_404(CalendarFeed, feed_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if row.revoked_at is None:
        services.revoke(row)
    flash(_("Feed revoked: its link no longer works."), "success")
    return redirect(url_for("calendar.feeds"))


@feed_bp.route("/calendar/<token>.ics")
def ics(token: str) -> Response:
    row = services.feed_for_token(token)
    if row is None:
        abort(404)
    return Response(
        services.render(row),
        mimetype="text/calendar",
        headers={"Content-Disposition": 'inline; filename="minimin.ics"'},
    )


# ----------------------------------------------------------------------------- import


@bp.route("/calendar/import", methods=["POST"])
def upload() -> ViewResult:
    form = ImportForm()
    if not form.validate_on_submit():
        abort(400)
    stream = form.file.data
    try:
        data = read_limited(stream.stream, importing.MAX_BYTES) if stream else b""
        proposals = importing.read(data) if data else None
    except (UploadError, importing.CalendarFileError):  # too large, empty or not a calendar
        proposals = None
    if not proposals:
        return _page(
            400,
            import_error=_(
                "That file has no bookings we can read: choose an .ics calendar file of up to 1 MB."
            ),
        )
    return render_template(
        "calendar/review.html",
        proposals=proposals,
        payloads=[json.dumps(importing.to_dict(p)) for p in proposals],
        confirm=ConfirmForm(),
    )


@bp.route("/calendar/import/confirm", methods=["POST"])
def confirm_import() -> ViewResult:
    from minimin.jobs.services import JobError

    if not ConfirmForm().validate_on_submit():
        abort(400)
    picked = request.form.getlist("pick")[: importing.MAX_EVENTS]
    try:
        proposals = [importing.from_dict(json.loads(raw)) for raw in picked]
    except ValueError:
        abort(400)
    if not proposals:
        flash(_("Tick the bookings to import."), "error")
        return redirect(url_for("calendar.feeds"))
    try:
        made = services.import_jobs(current_user.id, CalendarImportInput(tuple(proposals)))
    except JobError as exc:
        flash(str(exc), "error")
        return redirect(url_for("calendar.feeds"))
    flash(
        ngettext(
            "%(num)d draft job made: check it and add its fees.",
            "%(num)d draft jobs made: check them and add their fees.",
            len(made),
        ),
        "success",
    )
    return redirect(url_for("jobs.index"))
