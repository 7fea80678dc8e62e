"""Architecture rules that must hold for every package, including ones added later.

import-linter checks the named contracts in pyproject.toml; these tests check the rules that
would otherwise need every new package to be listed by hand.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import minimin

PACKAGE_ROOT = Path(minimin.__file__).parent
#: Packages that are not features: shared mechanisms and the application's own wiring.
NOT_FEATURES = {"core", "templates", "static", "translations", "data", "__pycache__"}


def feature_packages() -> list[str]:
    return sorted(
        p.name
        for p in PACKAGE_ROOT.iterdir()
        if p.is_dir() and (p / "__init__.py").exists() and p.name not in NOT_FEATURES
    )


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def modules_of(package: str) -> list[Path]:
    return sorted((PACKAGE_ROOT / package).rglob("*.py"))


def test_core_imports_no_feature_package() -> None:
    features = feature_packages()
    offenders = [
        f"{path.relative_to(PACKAGE_ROOT)} imports {module}"
        for path in modules_of("core")
        for module in imported_modules(path)
        if module.startswith("minimin.") and module.split(".")[1] in features
    ]
    assert offenders == []


@pytest.mark.parametrize("feature", feature_packages())
def test_features_do_not_import_other_features_views(feature: str) -> None:
    """A feature calls another feature's services, never its views (thin views, one way in)."""
    offenders = []
    for path in modules_of(feature):
        for module in imported_modules(path):
            parts = module.split(".")
            if (
                len(parts) >= 3
                and parts[0] == "minimin"
                and parts[1] != feature
                and parts[2].startswith("views")
            ):
                offenders.append(f"{path.relative_to(PACKAGE_ROOT)} imports {module}")
    assert offenders == []


def test_feature_list_is_complete() -> None:
    """Every feature package on disk is registered with the application (and nothing else is)."""
    from minimin.app import FEATURES

    assert sorted(FEATURES) == feature_packages()
