"""Kinds of work: the fixed list that commission rates (and jobs) are keyed by."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

#: (code, label) in display order. Codes are stored in the database: never rename one.
KINDS_OF_WORK: tuple[tuple[str, object], ...] = (
    ("commercial", _l("Commercial")),
    ("editorial", _l("Editorial")),
    ("catalogue", _l("Catalogue / e-commerce")),
    ("tv_film", _l("TV / film")),
    ("advertising", _l("Advertising")),
    ("music_video", _l("Music video")),
    ("runway", _l("Runway / show")),
    ("event", _l("Event")),
    ("other", _l("Other")),
)

KIND_CODES: frozenset[str] = frozenset(code for code, _ in KINDS_OF_WORK)
KIND_CODE_MAX = 32


def kind_label(code: str) -> str:
    """The translated label of a kind of work (the code itself if it is unknown)."""
    for known, label in KINDS_OF_WORK:
        if known == code:
            return str(label)
    return code
