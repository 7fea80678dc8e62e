"""Rules every page template keeps, checked on the template sources."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[3] / "minimin"
_SUMMARY = re.compile(r"<[a-z]+[^>]*\bclass=\"error-summary\"[^>]*>")


def _templates() -> list[Path]:
    return sorted(PACKAGE_ROOT.rglob("templates/**/*.html"))


def test_there_are_templates_to_check() -> None:
    assert len(_templates()) > 50


def test_every_error_summary_can_take_the_focus() -> None:
    """minimin.js moves the focus to a page's error summary so that screen readers read it
    first and keyboard users start from it: only an element with tabindex can take it."""
    missing = [
        f"{path.relative_to(PACKAGE_ROOT)}: {tag}"
        for path in _templates()
        for tag in _SUMMARY.findall(path.read_text(encoding="utf-8"))
        if 'tabindex="-1"' not in tag
    ]
    assert missing == []
