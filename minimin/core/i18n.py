"""Language and theme: essential preference cookies (and the account's stored preference).

en-GB is the source language; Welsh (cy) is the second complete locale. Every user-facing
string goes through Flask-Babel's ``gettext``/``lazy_gettext``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, g, has_request_context, request
from flask_babel import get_locale, get_translations
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

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


def _template_gettext(translations: Any) -> dict[str, Any]:
    """``_``/``gettext``/``ngettext`` bound to this render's translations.

    Flask-Babel's template callables look up the request, the locale and the catalogue on every
    call (tens of microseconds each, and a list page makes a hundred such calls); these look
    them up once per render. They keep Jinja's "newstyle" rules exactly: the translation is
    trusted markup when autoescaping, and always a %-format string whose variables are escaped.
    """

    @pass_context
    def gettext(context: Context, string: str, **variables: Any) -> Any:
        text = translations.ugettext(string)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 - catalogue text is trusted, as in Jinja
        return text % variables

    @pass_context
    def ngettext(context: Context, singular: str, plural: str, num: int, **variables: Any) -> Any:
        variables.setdefault("num", num)
        text = translations.ungettext(singular, plural, num)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 - catalogue text is trusted, as in Jinja
        return text % variables

    return {"_": gettext, "gettext": gettext, "ngettext": ngettext}


def label_lookup(labels: Mapping[str, Any]) -> Callable[[str], str]:
    """A function giving the translated label of a code (a status, a kind), each translated at
    most once: made per render, it spares a list of fifty rows fifty catalogue lookups. A code
    without a label is shown as it is."""
    translated: dict[str, str] = {}

    def label(code: str) -> str:
        if code not in translated:
            translated[code] = str(labels.get(code, code))
        return translated[code]

    return label


def _translation_context() -> dict[str, Any]:
    return _template_gettext(get_translations())


def register_i18n(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories="translations",
    )
    app.jinja_env.globals.update(
        current_theme=current_theme, html_lang=html_lang, available_locales=LOCALES, themes=THEMES
    )
    # Templates rendered with a context (every page) get callables bound once per render;
    # imported macros, which see only globals, keep Flask-Babel's own.
    app.context_processor(_translation_context)
