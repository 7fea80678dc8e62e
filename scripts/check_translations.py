"""Fail when a user-facing string has no Welsh translation, or has a stray ``%``.

Extracts every translatable string from the code and templates (pybabel, babel.cfg) and checks
that the Welsh catalogue translates each one; `make translations-update` refreshes the catalogues.

Templates always put a translation through ``%``-formatting (Jinja's "newstyle" gettext), and
code does whenever it passes variables, so a bare ``%`` ("80% of it") is read as a format code:
"% o" fails the page, "% a" prints the variables. Every ``%`` in a source string or a
translation must be ``%%`` or a named placeholder such as ``%(rate)s``.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ("cy",)


# What may follow a "%": another "%", or a named placeholder with an optional format spec.
_ALLOWED_PERCENT = re.compile(
    r"%%|%\([A-Za-z_][A-Za-z0-9_]*\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]"
)


def has_stray_percent(text: str) -> bool:
    """True when ``text`` has a ``%`` that is neither ``%%`` nor a named placeholder."""
    return "%" in _ALLOWED_PERCENT.sub("", text)


# "1 job(s)": a count needs ngettext, which gives each language its own plural forms.
_PLURAL_SHORTCUT = re.compile(r"\w\((?:s|es)\)")


def plural_shortcut_messages(catalogue: Catalog) -> list[str]:
    """The source strings that make a plural with "(s)" instead of ngettext."""
    return [
        _texts(message.id)[0]
        for message in catalogue
        if any(_PLURAL_SHORTCUT.search(text) for text in _texts(message.id))
    ]


def _texts(value: str | Iterable[str] | None) -> list[str]:
    if not value:
        return []
    return [value] if isinstance(value, str) else [v for v in value if v]


def stray_percent_messages(catalogue: Catalog, *, translations: bool = False) -> list[str]:
    """The messages (their first line of text) with a stray ``%`` in the source string or,
    with ``translations``, in the translation."""
    found = []
    for message in catalogue:
        texts = _texts(message.id) + (_texts(message.string) if translations else [])
        if any(has_stray_percent(text) for text in texts):
            found.append(_texts(message.id)[0])
    return found


def extract_sources(directory: str) -> Catalog:
    """Every translatable string in the code and templates, as `make translations-update`
    extracts them."""
    pot = Path(directory) / "messages.pot"
    subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as fh:
        return read_po(fh)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        template = extract_sources(tmp)
    failures = 0
    for label in stray_percent_messages(template):
        failures += 1
        print(f"source: a bare % (write %% or %(name)s): {label!r}")
    for label in plural_shortcut_messages(template):
        failures += 1
        print(f"source: a plural written with (s) (use ngettext): {label!r}")
    for locale in LOCALES:
        po_path = ROOT / "minimin" / "translations" / locale / "LC_MESSAGES" / "messages.po"
        if not po_path.exists():
            print(f"missing catalogue {po_path}")
            return 1
        with po_path.open("rb") as fh:
            catalogue = read_po(fh, locale=locale)
        for message in template:
            if not message.id:
                continue
            translated = catalogue.get(message.id, message.context)
            if (
                translated is None
                or not translated.string
                or translated.fuzzy
                or (isinstance(translated.string, tuple) and not all(translated.string))
            ):
                failures += 1
                label = message.id if isinstance(message.id, str) else message.id[0]
                print(f"{locale}: no translation for {label!r}")
        for label in stray_percent_messages(catalogue, translations=True):
            failures += 1
            print(f"{locale}: a bare % in the catalogue (write %% or %(name)s): {label!r}")
        # Babel's own checks: placeholders in each translation must match the source's.
        for message, errors in catalogue.check():
            for error in errors:
                failures += 1
                print(f"{locale}: {message.id!r}: {error}")
    if failures:
        print(
            f"{failures} untranslated string(s) or translation error(s);"
            " run `make translations-update` and translate."
        )
        return 1
    print("translations complete")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
