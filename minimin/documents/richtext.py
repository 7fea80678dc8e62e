"""The rich text a template body may hold: headings, paragraphs, bold, italic, lists and links.

Everything goes through nh3 (the Ammonia sanitiser) with this small allow-list, so a body never
carries a script, a style, an image that fetches something, or an attribute we did not choose.
Links keep only ``https``, ``http`` and ``mailto`` and get ``rel="noopener noreferrer"``.
"""

from __future__ import annotations

import nh3

TAGS = frozenset(
    {"h2", "h3", "h4", "p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "a"}
)
ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = frozenset({"https", "http", "mailto"})
#: The longest body accepted (characters of HTML), far beyond any letter or agreement.
BODY_MAX = 100_000


def clean(html: str) -> str:
    """*html* reduced to the allowed tags and attributes."""
    return nh3.clean(
        html,
        tags=set(TAGS),
        attributes={k: set(v) for k, v in ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
    ).strip()


def from_plain_text(text: str) -> str:
    """Paragraphs from plain text typed without tags (blank lines separate paragraphs)."""
    from html import escape

    paragraphs = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return "".join(
        "<p>" + "<br>".join(escape(line) for line in p.split("\n")) + "</p>" for p in paragraphs
    )


def normalise(body: str) -> str:
    """What the editor stores: HTML as typed (cleaned), or plain text turned into paragraphs."""
    if "<" not in body:
        return from_plain_text(body)
    return clean(body)
