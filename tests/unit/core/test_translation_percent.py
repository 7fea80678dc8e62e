"""Source strings: plurals come from ngettext, never "job(s)"; a ``%`` is a literal only as
``%%`` or inside a named placeholder, since templates always %-format their strings and
"80% of it" would fail the page ("% o")."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "check_translations", ROOT / "scripts" / "check_translations.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("text", "stray"),
    [
        ("at least 80% of it", True),
        ("uses 16.5% automatically", True),
        ("Commission (%)", True),
        ("Standard rate 20%", True),
        ("at least 80%% of it", False),
        ("box 1 %(box1)s, %(rate).1f%%", False),
        ("%(num)d jobs", False),
        ("no percent at all", False),
    ],
)
def test_stray_percent_is_recognised(checker: ModuleType, text: str, stray: bool) -> None:
    assert checker.has_stray_percent(text) is stray


def test_no_source_string_has_a_stray_percent_or_a_plural_in_brackets(
    checker: ModuleType, tmp_path: Path
) -> None:
    catalogue = checker.extract_sources(str(tmp_path))
    assert len(catalogue) > 100  # the extraction really read the code and templates
    assert checker.stray_percent_messages(catalogue) == []
    assert checker.plural_shortcut_messages(catalogue) == []
