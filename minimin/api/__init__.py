"""The public JSON API under ``/api/v1``: personal access tokens, typed operations over the
features' services, an OpenAPI 3.1 document and its documentation page."""

from __future__ import annotations

import os

from flask import Flask


def init_app(app: Flask) -> None:
    from minimin.api import (  # noqa: F401 - models, routes and resources register
        account_views,
        models,
        operations,
        pages,
        resources,
    )
    from minimin.api.auth import authenticate
    from minimin.api.ratelimit import configure
    from minimin.api.tokens import live_tokens
    from minimin.core.security import register_api_authenticator
    from minimin.extensions import csrf

    register_api_authenticator(app, authenticate)
    configure(app, os.environ.get("MINIMIN_API_RATE_LIMIT"))
    # Only a bearer token authenticates the API (minimin.api.auth): no cookie, so no CSRF.
    csrf.exempt(operations.bp)
    app.register_blueprint(operations.bp)
    app.register_blueprint(account_views.bp)

    def user_api_tokens() -> list[models.ApiToken]:
        from flask_login import current_user

        return live_tokens(current_user.id) if current_user.is_authenticated else []

    app.add_template_global(user_api_tokens)
