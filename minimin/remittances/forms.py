"""Remittance forms. The lines repeat without JavaScript: "Add a line" and each line's
"Remove" button submit the form, which is re-rendered with one line more or less and nothing
stored (:func:`prepare_formdata`)."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional, ValidationError

from minimin.core.forms import AppForm, MoneyField, TextField, UKDateField
from minimin.remittances.models import (
    DESCRIPTION_MAX,
    KIND_LABELS,
    KINDS,
    MAX_LINES,
    MAX_PENCE,
    REFERENCE_MAX,
)

KIND_CHOICES = [SelectChoice(k, KIND_LABELS[k]) for k in KINDS]


class LineRowForm(Form):
    reference = TextField(_l("Job reference (optional)"), [Optional()], REFERENCE_MAX)
    description = TextField(_l("Description (optional)"), [Optional()], DESCRIPTION_MAX)
    work_date = UKDateField(_l("Date of the work (optional)"), [Optional()])
    gross = MoneyField(
        _l("Gross fee"), [InputRequired(_l("Enter the gross fee."))], max_pence=MAX_PENCE
    )
    fee_vat = MoneyField(_l("VAT on the fee (optional)"), [Optional()], max_pence=MAX_PENCE)
    commission = MoneyField(_l("Commission"), [Optional()], max_pence=MAX_PENCE)
    commission_vat = MoneyField(_l("VAT on commission"), [Optional()], max_pence=MAX_PENCE)
    expenses = MoneyField(
        _l("Expenses reimbursed"), [Optional()], max_pence=MAX_PENCE, allow_negative=True
    )
    net = MoneyField(
        _l("Net paid"),
        [InputRequired(_l("Enter the net paid."))],
        max_pence=MAX_PENCE,
        allow_negative=True,
    )


class OwnedSelectField(SelectField):
    def pre_validate(self, form: Any) -> None:
        if self.data not in {choice.value for choice in self.choices or []}:
            raise ValidationError(_l("Choose one of your agencies."))


class RemittanceForm(AppForm):
    agency_id = OwnedSelectField(_l("Agency"), validate_choice=False)
    kind = SelectField(_l("Kind of document"), choices=KIND_CHOICES, default="advice")
    date = UKDateField(_l("Date of the remittance"), [InputRequired(_l("Enter the date."))])
    reference = TextField(_l("Remittance reference (optional)"), [Optional()], REFERENCE_MAX)
    agency_invoice_number = TextField(_l("Self-billed invoice number"), [Optional()], REFERENCE_MAX)
    total_net = MoneyField(_l("Total net paid"), [Optional()], max_pence=MAX_PENCE)
    source_file_id = HiddenField()
    lines = FieldList(FormField(LineRowForm), min_entries=1, max_entries=MAX_LINES)


class ImportForm(AppForm):
    agency_id = OwnedSelectField(_l("Agency"), validate_choice=False)
    kind = SelectField(_l("Kind of document"), choices=KIND_CHOICES, default="advice")
    file = FileField(_l("CSV or PDF file"))


class PostForm(AppForm):
    confirm = BooleanField(_l("I have checked the differences listed and want to post anyway"))


_ROW_KEY = re.compile(r"^lines-(\d+)-(.+)$")
_ACTION = re.compile(r"^(add|remove)_line(?::(\d+))?$")
_LINE_CONTENT = (
    "reference",
    "description",
    "work_date",
    "gross",
    "fee_vat",
    "commission",
    "commission_vat",
    "expenses",
    "net",
)


def parse_action(raw: str | None) -> tuple[str, int | None]:
    """("save" | "add" | "remove", row index or None)."""
    match = _ACTION.match(raw or "")
    if not match:
        return "save", None
    index = int(match.group(2)) if match.group(2) is not None else None
    if index is not None and index > 10_000:
        index = None
    return match.group(1), index


def prepare_formdata(formdata: MultiDict[str, str], action: str) -> MultiDict[str, str]:
    """Copy of *formdata* with lines renumbered from 0, blank lines dropped and the line
    named by a "remove" *action* taken out."""
    verb, index = parse_action(action)
    rows: dict[int, list[tuple[str, str]]] = {}
    result: MultiDict[str, str] = MultiDict()
    for key, value in formdata.items(multi=True):
        match = _ROW_KEY.match(key)
        if match:
            n = int(match.group(1)) if len(match.group(1)) < 6 else 10**6
            if n > 10_000:
                continue
            rows.setdefault(n, []).append((match.group(2), value))
        elif key != "action":
            result.add(key, value)
    position = 0
    for n in sorted(rows):
        if verb == "remove" and n == index:
            continue
        items = rows[n]
        if not any(sub in _LINE_CONTENT and value.strip() for sub, value in items):
            continue
        if position >= MAX_LINES + 1:
            break
        for sub, value in items:
            result.add(f"lines-{position}-{sub}", value)
        position += 1
    return result
