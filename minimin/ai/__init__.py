"""Opt-in AI features (``/ai``): document processing, anonymous job pricing and the assistant.

Each feature needs its own consent on /privacy; Anthropic Claude is used only with
``MINIMIN_ANTHROPIC_API_KEY`` set, and a local provider serves what it can otherwise.
See docs/ai.md.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    from minimin.ai import models, services, views  # noqa: F401 - tables
    from minimin.core.templating import add_navigation

    services.register_deleters()
    app.register_blueprint(views.bp)
    add_navigation(app, "ai.index", _l("AI"), 85)
    app.jinja_env.globals["ai_feature_states"] = views.feature_states
    app.jinja_env.globals["ai_feature_label"] = views.feature_label
    app.jinja_env.globals["ai_pricing_hint"] = views.pricing_hint
