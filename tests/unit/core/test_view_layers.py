"""Views and API endpoints only parse, call and render (docs/design-rules.md, rule 2).

Every module that answers requests (one that makes a blueprint, has a route, or declares an
API operation) is found by reading its source, so a new view module is covered the moment it
exists. None may import SQLAlchemy or the database session, or run a statement, commit or roll
back by itself: what a page or the API shows comes from a feature's services or ``listing``
module, and the request's one transaction is ``minimin/core/transaction.py``'s.

import-linter checks the same rule on the import graph (the contract "views and API modules
import no SQLAlchemy and no session" in ``pyproject.toml``); the last test keeps that
contract's list of modules complete.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

import minimin

PACKAGE_ROOT = Path(minimin.__file__).parent
PYPROJECT = PACKAGE_ROOT.parent / "pyproject.toml"
ROUTE_METHODS = {"route", "get", "post", "put", "patch", "delete"}
#: Methods of a session (or a result of one) that only a service or listing module calls.
SESSION_METHODS = {
    "execute",
    "scalar",
    "scalars",
    "commit",
    "rollback",
    "begin_nested",
    "flush",
    "expire",
    "expunge",
}
FORBIDDEN_CONTRACT = "views and API modules import no SQLAlchemy and no session"


def _is_route_decorator(node: ast.expr) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Name):
        return func.id == "operation"
    if not (isinstance(func, ast.Attribute) and func.attr in ROUTE_METHODS):
        return False
    first = node.args[0] if node.args else None
    return isinstance(first, ast.Constant) and str(first.value).startswith("/")


def answers_requests(tree: ast.AST) -> bool:
    """Whether a module makes a blueprint, has a route or declares an API operation."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "Blueprint"
        ):
            return True
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
            _is_route_decorator(d) for d in node.decorator_list
        ):
            return True
    return False


def offences(tree: ast.AST) -> list[str]:
    """What in a view module's source reaches the database by itself, with line numbers."""
    found: list[str] = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in ("sqlalchemy", "flask_sqlalchemy"):
                    found.append(f"line {line}: import {alias.name}")
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] in ("sqlalchemy", "flask_sqlalchemy"):
                found.append(f"line {line}: from {node.module} import ...")
            elif node.module == "minimin.extensions" and any(a.name == "db" for a in node.names):
                found.append(f"line {line}: from minimin.extensions import db")
            elif node.module == "minimin" and any(a.name == "extensions" for a in node.names):
                found.append(f"line {line}: from minimin import extensions")
        elif isinstance(node, ast.Attribute) and node.attr == "session":
            if isinstance(node.value, ast.Name) and node.value.id == "db":
                found.append(f"line {line}: db.session")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in SESSION_METHODS
        ):
            found.append(f"line {line}: .{node.func.attr}(...)")
    return found


def view_modules() -> dict[str, ast.AST]:
    modules: dict[str, ast.AST] = {}
    for path in sorted(PACKAGE_ROOT.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        if answers_requests(tree):
            name = ".".join(path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts)
            modules[name] = tree
    return modules


VIEW_MODULES = view_modules()


def test_the_view_modules_are_found() -> None:
    """The discovery sees the pages and the API (an empty list would pass everything)."""
    assert {
        "minimin.banking.views",
        "minimin.expenses.views",
        "minimin.invoices.views_sending",
        "minimin.api.resources.invoices",
        "minimin.accounts.passkeys.registration",
    } <= set(VIEW_MODULES)
    assert "minimin.admin.views_sql" not in VIEW_MODULES  # SQL views, not web views


@pytest.mark.parametrize("module", sorted(VIEW_MODULES))
def test_view_module_does_not_reach_the_database(module: str) -> None:
    assert offences(VIEW_MODULES[module]) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import sqlalchemy as sa\n", "line 1: import sqlalchemy"),
        ("from sqlalchemy.orm import selectinload\n", "line 1: from sqlalchemy.orm import ..."),
        (
            "from minimin.extensions import db, limiter\n",
            "line 1: from minimin.extensions import db",
        ),
        ("def f():\n    return db.session.get(X, 1)\n", "line 2: db.session"),
        ("def f(s):\n    s.rollback()\n", "line 2: .rollback(...)"),
        ("def f(q):\n    return session().scalars(q)\n", "line 2: .scalars(...)"),
    ],
)
def test_offences_are_recognised(source: str, expected: str) -> None:
    assert expected in offences(ast.parse(source))


def test_a_view_that_only_calls_services_has_no_offence() -> None:
    source = (
        "from minimin.extensions import limiter\n"
        "from minimin.banking import listing\n"
        "def index():\n"
        "    return listing.accounts(current_user.id)\n"
    )
    assert offences(ast.parse(source)) == []


def test_import_linter_contract_names_every_view_module() -> None:
    """The import-linter contract covers every module found here (a new view module must be
    added to it), and names no module that no longer answers requests."""
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    (contract,) = [c for c in contracts if c["name"] == FORBIDDEN_CONTRACT]
    assert sorted(contract["source_modules"]) == sorted(VIEW_MODULES)
    assert {"sqlalchemy", "flask_sqlalchemy"} <= set(contract["forbidden_modules"])
