"""The application factory: a short, ordered list of ``register_*`` calls."""

from __future__ import annotations

import importlib
import logging
import os
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from minimin.config import Settings, load_settings

#: Feature packages, each with ``init_app(app)`` registering its blueprints and hooks.
FEATURES: tuple[str, ...] = (
    "pages",
    "accounts",
    "files",
    "business",
    "contacts",
    "jobs",
    "invoices",
    "quotes",
    "documents",
    "emaillog",
    "calendar",
    "payments",
    "expenses",
    "banking",
    "remittances",
    "ledger",
    "reports",
    "ai",
    "privacy",
    "admin",
    "api",
)


def create_app(
    config: dict[str, Any] | None = None,
    *,
    mode: str | None = None,
    instance_path: str | os.PathLike[str] | None = None,
) -> Flask:
    """Build a Minimin application.

    *mode* is ``embedded`` (default), ``production`` or ``testing``; *config* overrides Flask
    settings (tests use it to point at their own database).
    """
    settings = load_settings(mode=mode, instance_path=instance_path)
    app = Flask(__name__, instance_path=str(settings.instance_path))
    app.config.update(settings.as_flask_config())
    if settings.mode == "testing":
        app.config["TESTING"] = True
    app.config.update(config or {})

    register_logging(app, settings)
    register_proxy_fix(app, settings)
    register_extensions(app)
    register_templates(app)
    register_features(app)
    check_limits_on_views_only(app)
    register_cli(app)
    return app


def register_logging(app: Flask, settings: Settings) -> None:
    level = getattr(logging, settings.log_level.upper(), logging.INFO)
    app.logger.setLevel(level)
    logging.getLogger("minimin").setLevel(level)


def register_proxy_fix(app: Flask, settings: Settings) -> None:
    # X-Forwarded-For is believed only from the configured number of proxies in front of us,
    # so a client cannot reset its rate limits by sending its own header.
    if settings.trusted_proxies > 0:
        n = settings.trusted_proxies
        # Replacing the WSGI callable is how Flask documents ProxyFix.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]


def register_extensions(app: Flask) -> None:
    from minimin.config import engine_options
    from minimin.core.errors import register_error_handlers
    from minimin.core.i18n import register_i18n
    from minimin.core.security import register_security
    from minimin.core.sessions import register_sessions
    from minimin.core.tasks import init_celery
    from minimin.core.transaction import register_transaction
    from minimin.extensions import csrf, db, limiter, login_manager, migrate

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    register_i18n(app)
    init_celery(app)
    # Order matters: access is enforced before the view; the transaction commits after it.
    register_security(app)
    register_sessions(app)
    register_transaction(app, db)
    register_error_handlers(app)
    # Models of core mechanisms (mail outbox, audit, change counters) must be known to the
    # metadata.
    importlib.import_module("minimin.core.audit")
    importlib.import_module("minimin.core.changes")
    importlib.import_module("minimin.core.mail")


def register_templates(app: Flask) -> None:
    from minimin.core.templating import register_template_helpers

    register_template_helpers(app)


def register_features(app: Flask) -> None:
    from minimin.core.tasks import schedule_periodic_jobs

    for name in FEATURES:
        module = importlib.import_module(f"minimin.{name}")
        module.init_app(app)
    schedule_periodic_jobs()


def check_limits_on_views_only(app: Flask) -> None:
    """Drop Flask-Limiter's check of every request when no limit needs it.

    Every rate limit in Minimin sits on the view it guards (``@limiter.limit``), and that
    decorator checks it when the view runs. The check Flask-Limiter adds before every request
    exists for application-wide, default and blueprint limits; with none declared it only
    resolved nothing, on every request (a tenth of the sign-in page's time). Declare such a
    limit and the check stays.
    """
    from minimin.extensions import limiter

    manager = limiter.limit_manager
    # Flask-Limiter has no public reader of the blueprint limits.
    blueprint_limits = getattr(manager, "_blueprint_limits", None)
    if manager.application_limits or manager.default_limits or blueprint_limits != {}:
        return
    hooks = app.before_request_funcs.get(None, [])
    app.before_request_funcs[None] = [f for f in hooks if f != limiter._check_request_limit]


def register_cli(app: Flask) -> None:
    from minimin.cli import register_commands

    register_commands(app)
