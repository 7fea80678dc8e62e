"""Form fields and validators shared by every feature.

docs/security.md, "Input": every text field has a length limit, and text that PostgreSQL
would refuse (NUL)
or that cannot be stored as UTF-8 (lone surrogates) is refused with a clear message *before* the
database sees it, so SQLite and PostgreSQL behave the same.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel.support import NullTranslations, Translations
from flask import current_app, has_request_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, Form, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.i18n import messages_path
from wtforms.validators import Length, Optional, ValidationError
from wtforms.widgets import DateInput, TextInput

from minimin.core.dates import MAX_YEAR, MIN_YEAR, DateError, parse_uk_date
from minimin.core.money import (
    DEFAULT_CURRENCY,
    DEFAULT_MAX_PENCE,
    MAX_INPUT_LENGTH,
    Money,
    MoneyError,
    NumberInputError,
    known_currencies,
    parse_money,
    parse_percent,
)
from minimin.core.user_error import UserError

#: Control characters allowed in multi-line text; everything else in category Cc is refused.
MULTILINE_ALLOWED = {"\n", "\r", "\t"}


def check_text(value: str, *, multiline: bool = False) -> str | None:
    """The reason *value* cannot be stored as text, or None when it can."""
    for ch in value:
        if ch == "\x00":
            return str(_l("Remove the null character (\\0): it cannot be stored."))
        code = ord(ch)
        if 0xD800 <= code <= 0xDFFF:
            return str(_l("This text contains an invalid character (a lone surrogate)."))
        if unicodedata.category(ch) == "Cc" and not (multiline and ch in MULTILINE_ALLOWED):
            return str(_l("Remove the control characters (such as line breaks) from this field."))
    return None


class SafeText:
    """Validator: storable text (see :func:`check_text`)."""

    def __init__(self, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, form: Form, field: Field) -> None:
        if field.data:
            reason = check_text(str(field.data), multiline=self.multiline)
            if reason:
                raise ValidationError(reason)


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def select_choices(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """Options for a SelectField, SelectMultipleField or RadioField from (value, label) pairs.

    WTForms wants SelectChoice objects (plain tuples are deprecated). Labels are kept as given,
    so a lazy_gettext label stays lazy and is translated when the form is rendered, in the
    reader's language, even when the list is built once at import time.
    """
    return [SelectChoice(value, label) for value, label in pairs]


def choice_values(choices: Iterable[Any] | None) -> set[Any]:
    """The values a field offers, whether its choices are SelectChoice objects, plain strings
    or older (value, label) pairs still set by some views."""
    return {SelectChoice.from_input(choice).value for choice in choices or []}


class TextField(StringField):
    """A one-line text field: trimmed, limited to *max_length*, refusing control characters."""

    def __init__(
        self,
        label: Any = None,
        validators: list[Any] | None = None,
        max_length: int = 200,
        **kwargs: Any,
    ):
        validators = [*(validators or []), Length(max=max_length), SafeText()]
        kwargs.setdefault("filters", [_strip])
        kwargs.setdefault("render_kw", {}).setdefault("maxlength", max_length)
        super().__init__(label, validators, **kwargs)


class MultilineTextField(TextAreaField):
    """A multi-line text field with a length limit; line breaks and tabs are allowed."""

    def __init__(
        self,
        label: Any = None,
        validators: list[Any] | None = None,
        max_length: int = 5000,
        **kwargs: Any,
    ):
        validators = [*(validators or []), Length(max=max_length), SafeText(multiline=True)]
        kwargs.setdefault("render_kw", {}).setdefault("maxlength", max_length)
        super().__init__(label, validators, **kwargs)


def optional_text(max_length: int = 200, label: Any = None, **kwargs: Any) -> TextField:
    return TextField(label, [Optional()], max_length=max_length, **kwargs)


# --------------------------------------------------------------------------- the base form


@lru_cache(maxsize=16)
def wtforms_translations(locale: str) -> NullTranslations:
    """WTForms' own messages ("This field is required.", "Not a valid choice.") in *locale*,
    read from WTForms' catalogue once per process and locale.

    Flask-WTF reads the catalogue from disk again on every request that builds a form (it
    keeps it only on the request): about a fifth of the CPU of a GET of a page with a form.
    A loaded catalogue is only read afterwards, so one object can serve every request."""
    return Translations.load(messages_path(), [locale], domain="wtforms")


class AppForm(FlaskForm):
    """The base of every form of the application (``tests/unit/core/test_forms.py`` refuses
    a form that subclasses ``FlaskForm`` directly): Flask-WTF's form (CSRF, request data) with
    WTForms' messages in the reader's language from :func:`wtforms_translations`."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form: Form) -> Any:
            # Outside a request, without Flask-Babel or with WTF_I18N_ENABLED off, Flask-WTF's
            # own answer (English, or the WTForms default) is kept.
            if (
                not has_request_context()
                or "babel" not in current_app.extensions
                or not current_app.config.get("WTF_I18N_ENABLED", True)
            ):
                return super().get_translations(form)
            locale = get_locale()
            return wtforms_translations(str(locale)) if locale is not None else None


# --------------------------------------------------------------------------- buttons and refusals


class ConfirmForm(AppForm):
    """A button (delete, revoke, post, skip): its CSRF token is its only field.

    Every feature uses this one; a form with a field of its own (a hidden key, a checkbox) is
    a form of its own."""


def apply_user_error(
    form: Form,
    error: UserError,
    *,
    fields: Mapping[str, str] | None = None,
    default: str | None = None,
) -> bool:
    """Show a service's refusal on *form*, the one way a view puts a :class:`UserError` there.

    The message goes on the field the error names, translated through *fields* when the
    service's name differs from the form's (``{"amount_pence": "amount"}``); when the form
    has no such field, on the *default* field if given, else among the form's own errors
    (``form.form_errors``, shown at the top of the error summary). Returns True when a field
    took the message, False when it went to the form's own errors (a view whose page shows
    no error summary then flashes it).
    """
    message = str(error.message)
    name = error.field or ""
    if fields:
        name = fields.get(name, name)
    for candidate in (name, default):
        if candidate and candidate in form:
            target = form[candidate]
            target.errors = [*(target.errors or ()), message]
            return True
    form.form_errors.append(message)
    return False


# --------------------------------------------------------------------------- numbers and dates
# Fields that parse with minimin.core.money / minimin.core.dates: bad input gets the specific,
# translatable message of MoneyError / PercentError / DateError. An empty value is an error
# unless the field has the Optional() validator (which clears it and stops the chain).


class _ParsedField(Field):
    """A text input whose raw value is parsed by :meth:`parse`; ``data`` is the parsed value
    (None when empty or invalid), the raw text is re-displayed on errors."""

    widget = TextInput()

    def parse(self, text: str) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def display(self, value: Any) -> str:
        return str(value)

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        raw = valuelist[0] if valuelist else ""
        try:
            self.data = self.parse(raw if isinstance(raw, str) else "")
        except (NumberInputError, DateError) as exc:
            raise ValueError(str(exc)) from exc

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return "" if self.data is None else self.display(self.data)


class MoneyField(_ParsedField):
    """An amount of money. ``data`` is a Decimal in the field's currency (``field.money`` is
    the :class:`Money`, ``field.pence`` the integer minor units).

    *currency* is fixed, or *currency_field* names a sibling field holding the ISO code (the
    raw text is then re-parsed with that currency's decimals when the form is validated)."""

    def __init__(
        self,
        label: Any = None,
        validators: list[Any] | None = None,
        *,
        currency: str = DEFAULT_CURRENCY,
        currency_field: str | None = None,
        allow_negative: bool = False,
        max_pence: int = DEFAULT_MAX_PENCE,
        **kwargs: Any,
    ):
        render_kw = kwargs.setdefault("render_kw", {})
        render_kw.setdefault("inputmode", "decimal")
        render_kw.setdefault("autocomplete", "off")
        render_kw.setdefault("maxlength", MAX_INPUT_LENGTH)
        super().__init__(label, validators, **kwargs)
        self.currency = currency
        self.currency_field = currency_field
        self.allow_negative = allow_negative
        self.max_pence = max_pence

    def parse(self, text: str) -> Decimal:
        money = parse_money(
            text,
            currency=self.currency,
            allow_negative=self.allow_negative,
            max_pence=self.max_pence,
        )
        return money.amount

    def display(self, value: Any) -> str:
        if isinstance(value, Money):
            return value.plain()
        if isinstance(value, Decimal | int) and not isinstance(value, bool):
            return Money(Decimal(value), self.currency).plain()
        return str(value)

    def pre_validate(self, form: Form) -> None:
        if not self.currency_field or self.currency_field not in form:
            return
        chosen = form[self.currency_field].data
        if not isinstance(chosen, str) or chosen not in known_currencies():
            return
        self.currency = chosen
        if self.raw_data and isinstance(self.raw_data[0], str) and self.raw_data[0].strip():
            del self.errors[:]
            try:
                self.data = self.parse(self.raw_data[0])
            except MoneyError as exc:
                self.data = None
                raise ValidationError(str(exc)) from exc

    @property
    def money(self) -> Money | None:
        """The amount as :class:`Money` in the field's currency, or None."""
        return None if self.data is None else Money(self.data, self.currency)

    @property
    def pence(self) -> int | None:
        """The amount in integer minor units, or None."""
        money = self.money
        return None if money is None else money.pence


class PercentField(_ParsedField):
    """A percentage (15 means 15 %), ``data`` a Decimal from *minimum* to *maximum* with at
    most *places* decimals; "15%" is accepted."""

    def __init__(
        self,
        label: Any = None,
        validators: list[Any] | None = None,
        *,
        places: int = 3,
        minimum: Decimal = Decimal(0),
        maximum: Decimal = Decimal(100),
        **kwargs: Any,
    ):
        render_kw = kwargs.setdefault("render_kw", {})
        render_kw.setdefault("inputmode", "decimal")
        render_kw.setdefault("maxlength", 16)
        super().__init__(label, validators, **kwargs)
        self.places = places
        self.minimum = minimum
        self.maximum = maximum

    def parse(self, text: str) -> Decimal:
        return parse_percent(text, places=self.places, minimum=self.minimum, maximum=self.maximum)


class UKDateField(_ParsedField):
    """A UK date: the browser's date picker (ISO) or typed "6/4/2025" / "6 April 2025".
    ``data`` is a :class:`datetime.date`; impossible dates (30 February) and years outside
    1900-2100 are refused with a clear message."""

    widget = DateInput()

    def __init__(
        self,
        label: Any = None,
        validators: list[Any] | None = None,
        *,
        min_year: int = MIN_YEAR,
        max_year: int = MAX_YEAR,
        **kwargs: Any,
    ):
        render_kw = kwargs.setdefault("render_kw", {})
        render_kw.setdefault("min", f"{min_year:04d}-01-01")
        render_kw.setdefault("max", f"{max_year:04d}-12-31")
        super().__init__(label, validators, **kwargs)
        self.min_year = min_year
        self.max_year = max_year

    def parse(self, text: str) -> date:
        return parse_uk_date(text, min_year=self.min_year, max_year=self.max_year)

    def display(self, value: Any) -> str:
        return value.isoformat() if isinstance(value, date) else str(value)
