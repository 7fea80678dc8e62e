"""Forms of the privacy pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, RadioField
from wtforms.validators import DataRequired, InputRequired, Length

from minimin.core.forms import AppForm, select_choices


class WithdrawAIForm(AppForm):
    delete_logs = BooleanField(_l("Also delete my AI conversation logs"))


class DeleteAccountForm(AppForm):
    records = RadioField(
        _l("Your tax records"),
        choices=select_choices(
            [
                ("exported", _l("I have downloaded my export, or I keep my records elsewhere")),
                (
                    "delete_anyway",
                    _l("Delete everything now; I understand I must keep tax records"),
                ),
            ]
        ),
        validators=[InputRequired(_l("Choose how you will keep your tax records."))],
    )
    confirm = BooleanField(
        _l("I understand that my account and all its data will be deleted for good"),
        validators=[DataRequired(_l("Tick the box to confirm the deletion."))],
    )
    password = PasswordField(
        _l("Your password"),
        [DataRequired(_l("Enter your password.")), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
