"""The web kit (minimin/core/web.py): each piece's behaviour, hostile input included, and a
check that no feature declares its own copy again."""

from __future__ import annotations

import ast
import json
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask
from flask_wtf.csrf import generate_csrf
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict
from wtforms import Form, StringField

import minimin
from minimin.app import create_app
from minimin.core.web import (
    MAX_PAGE,
    PROBLEM_MEDIA_TYPE,
    ConfirmForm,
    MoneyField,
    UserError,
    apply_user_error,
    page_count,
    page_number,
    page_offset,
    problem_response,
    user_error_problem,
)

PACKAGE = Path(minimin.__file__).parent


@pytest.fixture(scope="module")
def kit_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """The real app (its CSRF and translations); these tests never touch the database."""
    instance = tmp_path_factory.mktemp("webkit")
    return create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'unused.sqlite3'}"},
        mode="testing",
        instance_path=Path(instance),
    )


# --------------------------------------------------------------------------- ConfirmForm


def test_confirm_form_is_its_csrf_token_only(kit_app: Flask) -> None:
    with kit_app.test_request_context("/", method="POST"):
        token = generate_csrf()
        form = ConfirmForm(formdata=MultiDict({"csrf_token": token}))
        assert [field.name for field in form] == ["csrf_token"]
        assert form.validate()
        assert 'name="csrf_token"' in str(form.hidden_tag())


@pytest.mark.parametrize("sent", [{}, {"csrf_token": ""}, {"csrf_token": "forged"}])
def test_confirm_form_refuses_a_missing_or_forged_token(kit_app: Flask, sent: dict) -> None:
    with kit_app.test_request_context("/", method="POST"):
        generate_csrf()
        form = ConfirmForm(formdata=MultiDict(sent))
        assert not form.validate()
        assert form.csrf_token.errors


# --------------------------------------------------------------------------- paging


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"page": "3"}, 3),
        ({}, 1),
        ({"page": ""}, 1),
        ({"page": "0"}, 1),
        ({"page": "-1"}, 1),
        ({"page": "2.5"}, 1),
        ({"page": "1e9"}, 1),
        ({"page": "NaN"}, 1),
        ({"page": "٣"}, 1),
        ({"page": "３"}, 1),
        ({"page": "\x00"}, 1),
        ({"page": "9" * 100_000}, MAX_PAGE),
        ({"page": str(MAX_PAGE + 1)}, MAX_PAGE),
    ],
)
def test_page_number_answers_a_page_in_range_for_any_query(args: dict, expected: int) -> None:
    assert page_number(MultiDict(args)) == expected


def test_page_number_reads_the_first_of_repeated_arguments() -> None:
    assert page_number(MultiDict([("page", "2"), ("page", "9")])) == 2


@pytest.mark.parametrize(
    ("total", "size", "pages"),
    [(0, 50, 1), (-5, 50, 1), (1, 50, 1), (50, 50, 1), (51, 50, 2), (5000, 50, 100)],
)
def test_page_count(total: int, size: int, pages: int) -> None:
    assert page_count(total, size) == pages


def test_page_count_refuses_an_empty_page_size() -> None:
    with pytest.raises(ValueError):
        page_count(10, 0)


def test_page_offset() -> None:
    assert page_offset(1, 50) == 0
    assert page_offset(3, 50) == 100
    assert page_offset(0, 50) == 0


@given(st.text(max_size=30), st.integers(min_value=0, max_value=10**6))
def test_a_hand_edited_page_never_leaves_the_list(raw: str, total: int) -> None:
    page = page_number({"page": raw})
    assert 1 <= page <= MAX_PAGE
    assert 0 <= page_offset(page, 50) <= (MAX_PAGE - 1) * 50


# --------------------------------------------------------------------------- apply_user_error


class PaymentForm(Form):
    amount = StringField("Amount")
    pattern = StringField("Pattern")


def test_user_error_goes_on_the_field_it_names() -> None:
    form = PaymentForm()
    assert apply_user_error(form, UserError("Too much.", "amount"))
    assert form.amount.errors == ["Too much."]
    assert form.form_errors == []
    apply_user_error(form, UserError("And again.", "amount"))
    assert form.amount.errors == ["Too much.", "And again."]


def test_user_error_field_renamed_from_the_services_name() -> None:
    form = PaymentForm()
    error = UserError("Too much.", "amount_pence")
    assert apply_user_error(form, error, fields={"amount_pence": "amount"})
    assert form.amount.errors == ["Too much."]


def test_user_error_without_a_known_field_goes_on_the_default_or_the_form() -> None:
    form = PaymentForm()
    assert apply_user_error(form, UserError("Odd.", "nothing_here"), default="pattern")
    assert form.pattern.errors == ["Odd."]
    assert apply_user_error(form, UserError("No field."), default="pattern")
    assert form.pattern.errors == ["Odd.", "No field."]

    plain = PaymentForm()
    assert not apply_user_error(plain, UserError("About the whole form."))
    assert not apply_user_error(plain, UserError("Unknown field.", "csrf_token_x"))
    assert plain.form_errors == ["About the whole form.", "Unknown field."]
    assert not plain.amount.errors and not plain.pattern.errors


def test_user_error_message_is_rendered_in_the_readers_language(kit_app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    with kit_app.test_request_context("/", headers={"Cookie": "lang=en"}):
        form = PaymentForm()
        apply_user_error(form, UserError(_l("Enter a date."), "amount"))
        assert form.amount.errors == ["Enter a date."]
        assert all(isinstance(e, str) for e in form.amount.errors)


# --------------------------------------------------------------------------- MoneyField


class MoneyForm(Form):
    amount = MoneyField("Amount")


@pytest.mark.parametrize(
    ("typed", "pence"),
    [
        ("1,200", 120000),
        ("£1,200.50", 120050),
        (" 12 ", 1200),
        ("12.5", 1250),
        ("0", 0),
        ("£0.01", 1),
    ],
)
def test_money_field_accepts_what_people_type(typed: str, pence: int) -> None:
    form = MoneyForm(MultiDict({"amount": typed}))
    assert form.validate(), form.errors
    assert form.amount.pence == pence
    assert form.amount.data == Decimal(pence) / 100


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("NaN", "NaN"),
        ("sNaN", "NaN"),
        ("Infinity", "infinity"),
        ("1e5", "exponent"),
        ("١٢", "figures"),
        ("１２", "figures"),
        ("9" * 40, "larger"),
        ("9" * 65, "too long"),
        ("12.345", "decimal places"),
        ("-3", "zero or more"),
        ("twelve", "figures"),
        ("1,2,3", "figures"),
        ("12\x00", "figures"),
    ],
)
def test_money_field_refuses_hostile_input_with_a_specific_message(typed: str, says: str) -> None:
    form = MoneyForm(MultiDict({"amount": typed}))
    assert not form.validate()
    assert form.amount.data is None
    assert len(form.amount.errors) == 1
    assert says.lower() in form.amount.errors[0].lower(), form.amount.errors


@given(st.text(max_size=80))
def test_money_field_never_fails_on_any_text(typed: str) -> None:
    form = MoneyForm(MultiDict({"amount": typed}))
    if form.validate():
        assert isinstance(form.amount.pence, int) and form.amount.pence >= 0
    else:
        assert form.amount.errors and form.amount.data is None


# --------------------------------------------------------------------------- problem details


def test_problem_response_is_rfc_9457(kit_app: Flask) -> None:
    with kit_app.test_request_context("/account/passkeys/verify", method="POST"):
        response = problem_response(400, "That passkey could not confirm it is you.")
    assert response.status_code == 400
    assert response.mimetype == PROBLEM_MEDIA_TYPE
    body = json.loads(response.get_data())
    assert body == {
        "type": "/api/v1/docs#problem-bad-request",
        "title": "That request could not be understood",
        "status": 400,
        "detail": "That passkey could not confirm it is you.",
        "instance": "/account/passkeys/verify",
    }


def test_problem_response_without_detail_says_its_title(kit_app: Flask) -> None:
    with kit_app.test_request_context("/x"):
        response = problem_response(413, headers={"Retry-After": "30"})
    body = json.loads(response.get_data())
    assert body["detail"] == body["title"] == "That upload is too large"
    assert body["type"].endswith("problem-too-large")
    assert response.headers["Retry-After"] == "30"


def test_user_error_problem_names_the_field(kit_app: Flask) -> None:
    with kit_app.test_request_context("/x"):
        named = json.loads(user_error_problem(UserError("Too big.", "amount", code="range")).data)
        bare = json.loads(user_error_problem(UserError("No.")).data)
    assert named["status"] == 422
    assert named["errors"] == [{"field": "amount", "code": "range", "detail": "Too big."}]
    assert bare["detail"] == "No." and "errors" not in bare


def test_a_json_client_gets_a_problem_for_an_unknown_page(kit_app: Flask) -> None:
    response = kit_app.test_client().get("/no-such-page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.mimetype == PROBLEM_MEDIA_TYPE
    assert response.get_json()["status"] == 404
    assert response.get_json()["type"].endswith("problem-not-found")


# --------------------------------------------------------------------------- no copies


def _feature_modules() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if "core" not in p.relative_to(PACKAGE).parts]


def _is_csrf_only_form(node: ast.ClassDef) -> bool:
    bases = {getattr(b, "id", None) or getattr(b, "attr", None) for b in node.bases}
    if not bases & {"FlaskForm", "AppForm"}:
        return False
    body = [
        stmt
        for stmt in node.body
        if not isinstance(stmt, ast.Pass)
        and not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant))
    ]
    return not body


# `type X = ...` (ast.TypeAlias) exists from Python 3.12 only.
_ANNOTATED_ASSIGNMENTS = tuple(
    getattr(ast, name) for name in ("AnnAssign", "TypeAlias") if hasattr(ast, name)
)


#: Copies still to be replaced, each with its reason. The list only shrinks: an entry whose
#: copy is gone fails the test until it is removed here.
NOT_YET: set[str] = set()


def test_no_feature_declares_its_own_kit() -> None:
    copies = []
    for path in _feature_modules():
        source = path.read_text(encoding="utf-8")
        where = path.relative_to(PACKAGE.parent)
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ClassDef) and _is_csrf_only_form(node):
                copies.append(f"{where}: CSRF-only form {node.name} (use core.web.ConfirmForm)")
            targets = (
                node.targets
                if isinstance(node, ast.Assign)
                else [node.target]
                if isinstance(node, _ANNOTATED_ASSIGNMENTS)
                else []
            )
            for target in targets:
                if getattr(target, "id", None) == "ViewResult":
                    copies.append(f"{where}: ViewResult (use core.web.ViewResult)")
        if 'jsonify({"error"' in source or "jsonify(error=" in source:
            copies.append(f"{where}: a JSON error of its own (use core.web.problem_response)")
    waiting = {c.split(":")[0] for c in copies} & NOT_YET
    assert waiting == NOT_YET, f"no copy left in {NOT_YET - waiting}: remove it from NOT_YET"
    copies = [c for c in copies if c.split(":")[0] not in NOT_YET]
    assert not copies, "\n".join(copies)
