"""Every write a user can ask for is one service call of one of decision 0009's shapes
(docs/decisions/0009-typed-service-inputs.md), checked on the functions themselves:

- ``verb(owner_id, data)``, ``verb(row, data)``: the owner's id (``uuid.UUID``) or a row the
  caller fetched through the owner check (a mapped model), then one frozen dataclass named
  ``<Thing>Input``;
- ``verb(row)``, ``verb(owner_id, row)``: an action with nothing to fill in.

Any keyword-only parameters are flags or context (a bool, a date, an id, a row), never the
user's data: no ``dict``, ``Any``, ``**kwargs`` or loose strings carry what a form or an API body
filled in. The functions checked are the public functions named with a write verb in every
``services.py``, ``services/*.py`` and ``inputs.py`` under ``minimin/``, and in the few modules
named below that hold a feature's writes under another name. Internal writes no user asks for
directly (postings, scheduled jobs, imports run by a worker) are named in ``DEPARTURES`` with
why, as the decision's "Departures" allows; an entry that no longer departs must be removed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import inspect
import types
import typing
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import minimin

PACKAGE_ROOT = Path(minimin.__file__).parent

#: A function is a write when its name is one of these verbs or starts with one and "_".
WRITE_VERBS = (
    "add",
    "ask",
    "change",
    "confirm",
    "create",
    "decline",
    "edit",
    "import",
    "login",
    "make",
    "new",
    "post",
    "record",
    "rename",
    "request",
    "reset",
    "save",
    "send",
    "set",
    "sign",
    "signup",
    "update",
    "upload",
)

#: Modules that hold a feature's writes without being called services.
WRITE_MODULES = (
    "minimin.admin.actions",
    "minimin.api.tokens",
    "minimin.privacy.consent",
    "minimin.privacy.deletion",
    "minimin.privacy.export",
    "minimin.reports.export",
    "minimin.reports.other_income",
)

#: Writes no user asks for directly, with why they keep the arguments that suit them.
DEPARTURES: dict[str, str] = {
    "minimin.banking.services.imports.confirm_mapping": (
        "queues an import with parser options built by choose_columns (ColumnsInput) or read "
        "from a known bank layout"
    ),
    "minimin.banking.services.imports.import_if_known": "an import run by the worker",
    "minimin.banking.services.matching.record_match": (
        "a match written by the matcher (and by accept), not a form"
    ),
    "minimin.business.services.set_next_credit_note_number": (
        "a number rule's helper (no page calls it; the numbering section saves through "
        "save_section)"
    ),
    "minimin.business.services.set_next_invoice_number": (
        "a number rule's helper (no page calls it; the numbering section saves through "
        "save_section)"
    ),
    "minimin.business.services.update_section": (
        "the one writer of a section's columns, called by save_section with a checked input"
    ),
    "minimin.contacts.services.send_review_reminders": "a scheduled job",
    "minimin.contacts.services.set_commission_rates": (
        "written by create_agency/update_agency from AgencyInput.commission_rates"
    ),
    "minimin.documents.signing.services.record": "an event row of the signing audit trail",
    "minimin.expenses.services.recurring.create_due_expenses": (
        "a scheduled job (recurring expenses)"
    ),
    "minimin.expenses.services.recurring.create_due_for": (
        "a scheduled job (one recurring expense)"
    ),
    "minimin.expenses.services.receipts.add_receipt": (
        "an uploaded file: its stream is read, checked and stored by the service"
    ),
    "minimin.jobs.services.send_usage_expiry_reminders": "a scheduled job",
    "minimin.quotes.services.send": "sends a quote already made by send_quote",
    "minimin.remittances.services.reading.record_csv_import": (
        "a parsed CSV file beside its ImportInput (the file is not form data)"
    ),
    "minimin.remittances.services.settling.record_payments": (
        "payments posted from a remittance by post_remittance"
    ),
}

#: Reads whose names start like a write.
READS: dict[str, str] = {
    "minimin.accounts.services.login_history": "the account's recent sign-ins",
    "minimin.reports.other_income.record_for": "the kept record of a tax year",
}

#: Types a positional parameter may have besides an input: the owner's id, or a row.
_SCALAR_FLAGS = (bool, int, str, dt.date, dt.datetime, uuid.UUID, type(None))


def _module_names() -> Iterator[str]:
    paths = {
        *PACKAGE_ROOT.glob("**/services.py"),
        *PACKAGE_ROOT.glob("**/services/*.py"),
        *PACKAGE_ROOT.glob("**/inputs.py"),
    }
    for path in sorted(paths):
        parts = path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts
        yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
    yield from WRITE_MODULES


def _is_write(name: str) -> bool:
    return not name.startswith("_") and any(
        name == verb or name.startswith(verb + "_") for verb in WRITE_VERBS
    )


def write_functions() -> dict[str, Callable[..., Any]]:
    found: dict[str, Callable[..., Any]] = {}
    for module_name in _module_names():
        module = importlib.import_module(module_name)
        for name, function in inspect.getmembers(module, inspect.isfunction):
            qualified = f"{module_name}.{name}"
            if function.__module__ == module_name and _is_write(name) and qualified not in READS:
                found[qualified] = function
    return found


def _members(annotation: Any) -> tuple[Any, ...]:
    """The types of a union (``X | None`` is X and None), or the type itself."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return typing.get_args(annotation)
    return (annotation,)


def _is_input(annotation: Any) -> bool:
    """A frozen dataclass named <Thing>Input, or a union of them (one of a page's sections)."""
    return annotation is not None and all(
        isinstance(kind, type)
        and dataclasses.is_dataclass(kind)
        and kind.__name__.endswith("Input")
        and kind.__dataclass_params__.frozen  # type: ignore[attr-defined]
        for kind in _members(annotation)
    )


def _is_row(kind: Any) -> bool:
    return isinstance(kind, type) and hasattr(kind, "__mapper__")


def _is_owner_or_row(annotation: Any) -> bool:
    return all(
        kind is uuid.UUID or kind is type(None) or _is_row(kind) for kind in _members(annotation)
    )


def _keyword_problem(parameter: inspect.Parameter, annotation: Any) -> str | None:
    """A keyword-only parameter is context (who acts, a row: required or not) or a flag (a
    scalar with a default: it changes how, not what); never the user's data."""
    if _is_owner_or_row(annotation):
        return None
    if not all(kind in _SCALAR_FLAGS for kind in _members(annotation)):
        return f"keyword-only {parameter.name}: {annotation} is neither a flag nor a row"
    if parameter.default is inspect.Parameter.empty:
        return f"keyword-only {parameter.name} has no default: data, not a flag"
    return None


def problems(function: Callable[..., Any], names: dict[str, Any] | None = None) -> list[str]:
    """What keeps *function* from one of decision 0009's shapes (nothing when it has one);
    *names* resolves annotations that are not in the function's module."""
    hints = typing.get_type_hints(function, localns=names)
    parameters = list(inspect.signature(function).parameters.values())
    positional = [
        p
        for p in parameters
        if p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    ]
    found: list[str] = []
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in parameters):
        found.append("takes *args or **kwargs")
    if len(positional) > 2:
        found.append(f"takes {len(positional)} positional parameters (at most 2)")
    inputs = [p.name for p in positional if _is_input(hints.get(p.name))]
    if len(inputs) > 1 or (inputs and positional[-1].name != inputs[0]):
        found.append("takes its one <Thing>Input last")
    for p in positional:
        if p.name not in inputs and not _is_owner_or_row(hints.get(p.name, Any)):
            found.append(
                f"{p.name}: {hints.get(p.name, 'no annotation')} is neither the owner's id, "
                "a row, nor a frozen <Thing>Input dataclass"
            )
    for p in parameters:
        problem = _keyword_problem(p, hints.get(p.name, Any)) if p.kind is p.KEYWORD_ONLY else None
        if problem:
            found.append(problem)
    return found


WRITES = write_functions()


def test_the_walk_finds_the_writes_of_every_door() -> None:
    # A guard on the walk itself: were the globs or the verbs wrong, nothing would be checked.
    for name in (
        "minimin.contacts.services.create_client",
        "minimin.accounts.services.signup",
        "minimin.accounts.services.change_password",
        "minimin.calendar.services.create_feed",
        "minimin.api.tokens.create",
        "minimin.privacy.consent.set_consent",
        "minimin.documents.signing.services.sign",
        "minimin.reports.other_income.save",
    ):
        assert name in WRITES, name


@pytest.mark.parametrize("name", sorted(set(WRITES) - set(DEPARTURES)))
def test_a_write_takes_its_owner_and_one_typed_input(name: str) -> None:
    assert problems(WRITES[name]) == [], (
        f"{name} is not one of decision 0009's shapes; a departure (an internal write no user "
        "asks for) goes in DEPARTURES with why"
    )


@pytest.mark.parametrize("name", sorted(DEPARTURES))
def test_every_departure_still_departs(name: str) -> None:
    assert name in WRITES, f"{name} is gone or renamed: remove it from DEPARTURES"
    assert problems(WRITES[name]), f"{name} now has one of the shapes: remove it from DEPARTURES"


def test_a_dictionary_of_form_values_is_refused() -> None:
    """The check refuses what the decision replaced, and accepts its three shapes."""
    from minimin.contacts.inputs import ClientInput
    from minimin.contacts.models import Client

    @dataclasses.dataclass
    class LooseInput:
        name: str

    def create_thing(user_id: uuid.UUID, values: dict[str, Any]) -> None: ...
    def create_many(user_id: uuid.UUID, **fields: Any) -> None: ...
    def create_named(user_id: uuid.UUID, name: str, email: str) -> None: ...
    def create_keywords(user_id: uuid.UUID, *, name: str, confirmed_only: bool) -> None: ...
    def create_loose(user_id: uuid.UUID, data: LooseInput) -> None: ...
    def update_thing(row: Client, data: ClientInput, *, extra: dict[str, str]) -> None: ...
    def create_client(user_id: uuid.UUID, data: ClientInput) -> None: ...
    def update_client(row: Client, data: ClientInput, *, today: dt.date | None = None) -> None: ...
    def archive(row: Client) -> None: ...

    names = {"Client": Client, "ClientInput": ClientInput, "LooseInput": LooseInput}
    for refused in (
        create_thing,
        create_many,
        create_named,
        create_keywords,
        create_loose,
        update_thing,
    ):
        assert problems(refused, names), refused.__name__
    for accepted in (create_client, update_client, archive):
        assert problems(accepted, names) == [], accepted.__name__
