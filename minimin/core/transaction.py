"""One transaction per request (docs/design-rules.md, rule 3), as indico's ``RH.process``
and warehouse's
``pyramid_tm`` do it.

A response below 400 commits; anything else (a form error, a 404, an exception) rolls back, so
bad input can never leave half a change behind. If the commit itself fails (the database went
away), the user gets a plain 503 page and nothing was written.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, Response, g
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.exc import SQLAlchemyError

from minimin.core import db as core_db

log = logging.getLogger(__name__)


def keep_changes_on_error() -> None:
    """Commit this request's changes even though it answers with an error status.

    For security records that must outlive the refusal they record: a failed login attempt
    answers 4xx and must still count towards the lockout.
    """
    g.minimin_keep_changes = True


@contextmanager
def all_or_nothing(*objects: Any) -> Iterator[None]:
    """Run the block in a savepoint of the request's transaction: if it raises, everything it
    changed is undone (and *objects* are reloaded from the database on next use) while the
    rest of the request's work stands.

    For a page action that answers a refusal with a redirect (a status below 400, which
    commits): the refused part must leave nothing behind. Services use it; views call the
    service and catch its refusal.
    """
    from minimin.extensions import db

    try:
        with db.session.begin_nested():
            yield
    except BaseException:
        for obj in objects:
            db.session.expire(obj)
        raise


def discard_changes() -> None:
    """Forget every change this request has made so far (before rendering a page that must
    not show them, such as a preview the user did not confirm). The request still ends in
    the one commit or rollback of :func:`register_transaction`."""
    from minimin.extensions import db

    core_db.rollback(db.session)


def register_transaction(app: Flask, db: SQLAlchemy) -> None:
    @app.after_request
    def _commit_or_rollback(response: Response) -> Response:
        session = db.session
        if response.status_code >= 400 and not g.get("minimin_keep_changes"):
            core_db.rollback(session)
            return response
        if core_db.nothing_to_commit(session):
            return response
        try:
            session.commit()
        except SQLAlchemyError:
            log.exception("commit failed")
            core_db.rollback(session)
            from minimin.core.errors import error_response

            return error_response(503)
        # Jobs enqueued now see the committed rows; a failure here must not undo the response.
        try:
            core_db.run_after_commit(session)
        except Exception:
            log.exception("after-commit work failed")
        return response

    @app.teardown_request
    def _rollback_on_error(exc: BaseException | None) -> None:
        if exc is not None:
            core_db.rollback(db.session)
