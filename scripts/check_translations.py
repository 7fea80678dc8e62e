"""Fail when a user-facing string has no Welsh translation.

Extracts every translatable string from the code and templates (pybabel, babel.cfg) and checks
that the Welsh catalogue translates each one; `make translations-update` refreshes the catalogues.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ("cy",)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "messages.pot"
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
            template = read_po(fh)
    failures = 0
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
