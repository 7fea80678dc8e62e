"""Documents: a template library the user copies and edits (versioned), documents generated
from a template for a job, client or agency (PDF stored with its SHA-256), and e-signatures
(``/documents``, the signer's page ``/sign/<token>``)."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from minimin.core.templating import add_navigation
    from minimin.documents import models, views, views_signing  # noqa: F401 - the tables

    app.register_blueprint(views.bp)
    app.register_blueprint(views_signing.bp)
    app.register_blueprint(views_signing.public_bp)
    add_navigation(app, "documents.index", _l("Documents"), 37)
    # The job page lists the job's documents through this (jobs/detail.html includes
    # documents/job_documents.html), so the jobs package needs no import of this one.
    app.jinja_env.globals["job_documents"] = views.job_documents
