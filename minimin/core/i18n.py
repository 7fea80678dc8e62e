"""Language and theme: essential preference cookies (and the account's stored preference).

en-GB is the source language; Welsh (cy) is the second complete locale. Every user-facing
string goes through Flask-Babel's ``gettext``/``lazy_gettext``.
"""

from __future__ import annotations

from flask import Flask, g, has_request_context, request
from flask_babel import get_locale

from minimin.extensions import babel

LOCALES = {"en_GB": "English", "cy": "Cymraeg"}
THEMES = ("system", "light", "dark")
LANG_COOKIE = "lang"
THEME_COOKIE = "theme"
PREFERENCE_MAX_AGE = 365 * 24 * 3600


def select_locale() -> str:
    if not has_request_context():
        # Background jobs (reminder emails) have no request: the source language.
        return "en_GB"
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LOCALES:
        return chosen
    stored = g.get("user_locale")
    if stored in LOCALES:
        return str(stored)
    best = request.accept_languages.best_match(["en-GB", "en", "cy"])
    return "cy" if best == "cy" else "en_GB"


def current_theme() -> str:
    chosen = request.cookies.get(THEME_COOKIE)
    if chosen in THEMES:
        return str(chosen)
    stored = g.get("user_theme")
    return str(stored) if stored in THEMES else "system"


def html_lang() -> str:
    return str(get_locale() or "en_GB").replace("_", "-")


def register_i18n(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories="translations",
    )
    app.jinja_env.globals.update(
        current_theme=current_theme, html_lang=html_lang, available_locales=LOCALES, themes=THEMES
    )
