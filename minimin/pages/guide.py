"""The user guide as a page (``/guide``): docs/user-guide.md rendered once per process, each
heading with an id so the help panels can link to their section (``/guide#invoices``)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from flask import Blueprint, abort, render_template
from markupsafe import Markup

from minimin.core.security import PUBLIC, classify_blueprint

bp = Blueprint("guide", __name__, template_folder="templates")
classify_blueprint(bp, PUBLIC)

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "user-guide.md"


def slug(text: str) -> str:
    """``"Jobs (bookings)"`` → ``"jobs-bookings"``: the anchor of a guide heading."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@cache
def guide_html() -> Markup | None:
    """The guide as HTML (its own text, no raw HTML allowed), or None when not shipped."""
    from markdown_it import MarkdownIt

    if not GUIDE.is_file():
        return None
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    tokens = md.parse(GUIDE.read_text(encoding="utf-8"))
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and i + 1 < len(tokens):
            token.attrSet("id", slug(tokens[i + 1].content))
    return Markup(md.renderer.render(tokens, md.options, {}))  # noqa: S704 - html disabled


@bp.route("/guide")
def guide() -> str:
    html = guide_html()
    if html is None:
        abort(404)
    return render_template("pages/guide.html", guide=html)
