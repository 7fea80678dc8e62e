"""Job forms: the job with its repeating dates and fee lines, status changes and list filters.

The repeating sets work without JavaScript: "Add a date", "Add a fee line" and each row's
"Remove" button submit the form to the server, which re-renders it with one row more or less
(:func:`prepare_formdata`) and stores nothing.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from werkzeug.datastructures import MultiDict
from wtforms import FieldList, Form, FormField, SelectField, TimeField
from wtforms.validators import DataRequired, InputRequired, Optional, ValidationError

from minimin.contacts.kinds import KINDS_OF_WORK
from minimin.contacts.models import QUOTING_FEE_INCLUSIVE, QUOTING_FEE_PLUS_AGENCY_FEE
from minimin.core.dates import MIN_YEAR
from minimin.core.forms import (
    AppForm,
    MoneyField,
    MultilineTextField,
    PercentField,
    TextField,
    UKDateField,
    _ParsedField,
    choice_values,
    select_choices,
)
from minimin.core.money import parse_quantity
from minimin.jobs.models import (
    CURRENCIES,
    DESCRIPTION_MAX,
    FEE_KIND_LABELS,
    FEE_KINDS,
    LOCATION_MAX,
    MAX_DATES,
    MAX_FEE_LINES,
    MAX_PENCE,
    NOTES_MAX,
    STATUS_LABELS,
    STATUSES,
    TITLE_MAX,
    USAGE,
    USAGE_TEXT_MAX,
)

AUTO, YES, NO = "", "yes", "no"
YES_NO_AUTO = select_choices(
    [
        (AUTO, _l("As usual for this kind of line")),
        (YES, _l("Yes")),
        (NO, _l("No")),
    ]
)
#: Whether the user's VAT applies to a fee line. "No" makes it outside the scope of VAT: for a
#: re-billed cost, a disbursement, which must meet HMRC's conditions (shown beside the field).
VAT_CHOICES = select_choices(
    [
        (AUTO, _l("As the job (VAT when you are VAT-registered)")),
        (YES, _l("Yes")),
        (NO, _l("No: outside the scope of VAT (a disbursement)")),
    ]
)
TERMS_YES_NO = select_choices(
    [(AUTO, _l("As the agency's terms")), (YES, _l("Yes")), (NO, _l("No"))]
)
QUOTING_CHOICES = select_choices(
    [
        (AUTO, _l("As the agency's terms")),
        (QUOTING_FEE_INCLUSIVE, _l("Fee inclusive (commission deducted from the fee)")),
        (QUOTING_FEE_PLUS_AGENCY_FEE, _l("Fee + agency fee (agency fee added on top)")),
    ]
)


class QuantityField(_ParsedField):
    def __init__(self, label: Any = None, validators: list[Any] | None = None, **kwargs: Any):
        render_kw = kwargs.setdefault("render_kw", {})
        render_kw.setdefault("inputmode", "decimal")
        render_kw.setdefault("maxlength", 20)
        super().__init__(label, validators, **kwargs)

    def parse(self, text: str) -> Decimal:
        return parse_quantity(text)

    def display(self, value: Any) -> str:
        return plain_decimal(value) if isinstance(value, Decimal) else str(value)


def plain_decimal(value: Decimal | None) -> str:
    """``15.000`` → ``15``, ``12.500`` → ``12.5``; never an exponent."""
    if value is None:
        return ""
    text = f"{Decimal(value):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


class DateRowForm(Form):
    day = UKDateField(_l("Date"), [InputRequired(_l("Enter the date."))])
    starts_at = TimeField(
        _l("Start time (optional)"),
        [Optional()],
        format="%H:%M",
        render_kw={"autocomplete": "off"},
    )
    ends_at = TimeField(
        _l("End time (optional)"),
        [Optional()],
        format="%H:%M",
        render_kw={"autocomplete": "off"},
    )

    def validate_ends_at(self, field: Any) -> None:
        if field.data and self.starts_at.data and field.data < self.starts_at.data:
            raise ValidationError(_l("The end time must be after the start time."))


class FeeLineRowForm(Form):
    kind = SelectField(
        _l("Kind of fee"),
        choices=select_choices((k, FEE_KIND_LABELS[k]) for k in FEE_KINDS),
        validate_choice=True,
    )
    description = TextField(_l("Description (optional)"), [Optional()], DESCRIPTION_MAX)
    quantity = QuantityField(
        _l("Quantity (days, hours or items)"), [InputRequired(_l("Enter a quantity."))]
    )
    unit_amount = MoneyField(
        _l("Unit amount"),
        [InputRequired(_l("Enter an amount."))],
        max_pence=MAX_PENCE,
    )
    commissionable = SelectField(
        _l("Agency commission on this line"), choices=YES_NO_AUTO, default=AUTO
    )
    vat_applies = SelectField(_l("VAT applies"), choices=VAT_CHOICES, default=AUTO)
    media = TextField(_l("Media (usage)"), [Optional()], USAGE_TEXT_MAX)
    territory = TextField(_l("Territory (usage)"), [Optional()], USAGE_TEXT_MAX)
    term = TextField(_l("Term (usage), e.g. 12 months"), [Optional()], USAGE_TEXT_MAX)
    usage_expires_on = UKDateField(_l("Usage expires on"), [Optional()], min_year=MIN_YEAR)

    def validate_kind(self, field: Any) -> None:
        usage_given = any(
            (self.media.data, self.territory.data, self.term.data, self.usage_expires_on.data)
        )
        if usage_given and field.data != USAGE:
            raise ValidationError(
                _l("Media, territory, term and expiry apply only to a usage / buyout line.")
            )


def _choice_message(what: Any) -> Any:
    return _l("Choose one of your own %(what)s, or none.", what=what)


class OwnedChoiceField(SelectField):
    """A select of the user's own records; anything else is refused with a clear message."""

    def __init__(self, label: Any = None, validators: Any = None, *, what: Any, **kwargs: Any):
        super().__init__(label, validators, **kwargs)
        self.what = what

    def pre_validate(self, form: Any) -> None:
        if self.data in ("", None):
            return
        if self.data not in choice_values(self.choices):
            raise ValidationError(_choice_message(self.what))


class JobForm(AppForm):
    title = TextField(_l("Title"), [DataRequired(_l("Enter a title for the job."))], TITLE_MAX)
    client_id = OwnedChoiceField(_l("Client"), what=_l("clients"), validate_choice=False)
    agency_id = OwnedChoiceField(_l("Agency"), what=_l("agencies"), validate_choice=False)
    location = TextField(_l("Location (optional)"), [Optional()], LOCATION_MAX)
    kind_of_work = SelectField(
        _l("Kind of work"),
        choices=select_choices([(AUTO, _l("Not specified")), *KINDS_OF_WORK]),
        default=AUTO,
    )
    currency = SelectField(
        _l("Currency"), choices=select_choices((c, c) for c in CURRENCIES), default="GBP"
    )
    notes = MultilineTextField(_l("Notes (optional)"), [Optional()], NOTES_MAX)

    commission_percent = PercentField(_l("Commission (%(sign)s)", sign="%"), [Optional()])
    commission_vat = SelectField(_l("VAT on the commission"), choices=TERMS_YES_NO, default=AUTO)
    quoting = SelectField(_l("How the fee is quoted"), choices=QUOTING_CHOICES, default=AUTO)
    agency_fee_percent = PercentField(_l("Agency fee on top (%(sign)s)", sign="%"), [Optional()])
    mother_agency_share_percent = PercentField(
        _l("Mother agency's share of the commission (%(sign)s)", sign="%"), [Optional()]
    )

    dates = FieldList(FormField(DateRowForm), min_entries=1, max_entries=MAX_DATES)
    fee_lines = FieldList(FormField(FeeLineRowForm), min_entries=0, max_entries=MAX_FEE_LINES)

    def validate_client_id(self, field: Any) -> None:
        if not field.data and not self.agency_id.data:
            raise ValidationError(_l("Choose a client, an agency or both."))


class StatusForm(AppForm):
    status = SelectField(
        _l("New status"),
        choices=select_choices((s, STATUS_LABELS[s]) for s in STATUSES),
        validate_choice=False,
    )
    cancellation_fee = MoneyField(
        _l("Cancellation fee (optional)"), [Optional()], max_pence=MAX_PENCE
    )


class RenewalForm(AppForm):
    """Renewing a usage / buyout licence (:mod:`minimin.jobs.renewal`): the renewal's terms,
    pre-filled from the line it renews; the fee and the new expiry date are required."""

    description = TextField(_l("Description (optional)"), [Optional()], DESCRIPTION_MAX)
    media = TextField(_l("Media (optional)"), [Optional()], USAGE_TEXT_MAX)
    territory = TextField(_l("Territory (optional)"), [Optional()], USAGE_TEXT_MAX)
    term = TextField(_l("Term (optional), e.g. 12 months"), [Optional()], USAGE_TEXT_MAX)
    fee = MoneyField(
        _l("Renewal fee (excluding VAT)"),
        [InputRequired(_l("Enter the renewal fee."))],
        max_pence=MAX_PENCE,
    )
    expires_on = UKDateField(
        _l("New expiry date"), [InputRequired(_l("Enter the new expiry date."))]
    )


#: What the file picker offers; the content decides what is accepted (minimin.core.uploads).
ATTACHMENT_ACCEPT = "application/pdf,image/png,image/jpeg,image/webp"


class AttachmentForm(AppForm):
    file = FileField(
        _l("Attach a file (PDF, PNG, JPEG or WebP, up to 20 MB)"),
        render_kw={"accept": ATTACHMENT_ACCEPT},
    )


# ----------------------------------------------------------------------------- repeating rows

_ROW_KEY = re.compile(r"^(dates|fee_lines)-(\d+)-(.+)$")
_ACTION = re.compile(r"^(add|remove)_(date|line)(?::(\d+))?$")
#: Only these sub-fields make a fee-line row "filled in"; a row with none of them is dropped.
_LINE_CONTENT = (
    "description",
    "quantity",
    "unit_amount",
    "media",
    "territory",
    "term",
    "usage_expires_on",
)


def parse_action(raw: str | None) -> tuple[str, str | None, int | None]:
    """("save" | "add" | "remove", "date" | "line" | None, row index or None)."""
    match = _ACTION.match(raw or "")
    if not match:
        return "save", None, None
    index = int(match.group(3)) if match.group(3) is not None else None
    if index is not None and index > 1000:
        index = None
    return match.group(1), match.group(2), index


def prepare_formdata(formdata: MultiDict[str, str], action: str) -> MultiDict[str, str]:
    """Copy of *formdata* with the rows renumbered from 0, blank fee-line rows dropped on save
    and the row named by a "remove" *action* taken out.

    Blank rows are kept while the form is being edited (adding or removing a row): a line
    just added and not yet filled in must still be there after adding another."""
    verb, which, index = parse_action(action)
    drop_blank = verb == "save"
    rows: dict[str, dict[int, list[tuple[str, str]]]] = {"dates": {}, "fee_lines": {}}
    result: MultiDict[str, str] = MultiDict()
    for key, value in formdata.items(multi=True):
        match = _ROW_KEY.match(key)
        if match:
            n = int(match.group(2))
            if n > 10_000:
                continue
            rows[match.group(1)].setdefault(n, []).append((match.group(3), value))
        elif key != "action":
            result.add(key, value)
    drop = {
        "dates": index if verb == "remove" and which == "date" else None,
        "fee_lines": index if verb == "remove" and which == "line" else None,
    }
    limits = {"dates": MAX_DATES, "fee_lines": MAX_FEE_LINES}
    for name, by_index in rows.items():
        position = 0
        for n in sorted(by_index):
            if n == drop[name]:
                continue
            items = by_index[n]
            if (
                drop_blank
                and name == "fee_lines"
                and not any(sub in _LINE_CONTENT and value.strip() for sub, value in items)
            ):
                continue
            if position >= limits[name] + 1:
                break
            for sub, value in items:
                result.add(f"{name}-{position}-{sub}", value)
            position += 1
    return result


def yes_no(value: str | None) -> bool | None:
    return {YES: True, NO: False}.get(value or "")


def yes_no_choice(value: bool | None) -> str:
    if value is None:
        return AUTO
    return YES if value else NO
