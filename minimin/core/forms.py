"""Form fields and validators shared by every feature.

SECURITY.md: every text field has a length limit, and text that PostgreSQL would refuse (NUL)
or that cannot be stored as UTF-8 (lone surrogates) is refused with a clear message *before* the
database sees it, so SQLite and PostgreSQL behave the same.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import Field, Form, StringField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

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


class TextField(StringField):
    """A one-line text field: trimmed, limited to *max_length*, refusing control characters."""

    def __init__(self, label: Any = None, validators: list[Any] | None = None,
                 max_length: int = 200, **kwargs: Any):
        validators = [*(validators or []), Length(max=max_length), SafeText()]
        kwargs.setdefault("filters", [_strip])
        kwargs.setdefault("render_kw", {}).setdefault("maxlength", max_length)
        super().__init__(label, validators, **kwargs)


class MultilineTextField(TextAreaField):
    """A multi-line text field with a length limit; line breaks and tabs are allowed."""

    def __init__(self, label: Any = None, validators: list[Any] | None = None,
                 max_length: int = 5000, **kwargs: Any):
        validators = [*(validators or []), Length(max=max_length), SafeText(multiline=True)]
        kwargs.setdefault("render_kw", {}).setdefault("maxlength", max_length)
        super().__init__(label, validators, **kwargs)


def optional_text(max_length: int = 200, label: Any = None, **kwargs: Any) -> TextField:
    return TextField(label, [Optional()], max_length=max_length, **kwargs)
