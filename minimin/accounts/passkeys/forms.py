"""Forms of the passkey pages: adding, renaming and removing a passkey, the second-factor
setting, and signing in with a passkey."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, PasswordField
from wtforms.validators import DataRequired, Length, Optional

from minimin.accounts.inputs import PasskeyNameInput, SecondFactorInput
from minimin.accounts.passkeys.models import NAME_MAX
from minimin.core.forms import AppForm, TextField


class AddPasskeyForm(AppForm):
    name = TextField(
        _l("Name for this passkey"),
        [DataRequired(_l("Enter a name for this passkey."))],
        max_length=NAME_MAX,
    )
    password = PasswordField(
        _l("Your password"),
        [Optional(), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )


class RenamePasskeyForm(AppForm):
    name = TextField(
        _l("Name for this passkey"),
        [DataRequired(_l("Enter a name for this passkey."))],
        max_length=NAME_MAX,
    )

    def to_input(self) -> PasskeyNameInput:
        return PasskeyNameInput(name=self.name.data or "")


class SecondFactorForm(AppForm):
    require_after_password = BooleanField(_l("Ask for a passkey after my password"))
    password = PasswordField(
        _l("Your password"),
        [DataRequired(_l("Enter your password.")), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )

    def to_input(self) -> SecondFactorInput:
        return SecondFactorInput(require_after_password=bool(self.require_after_password.data))


class PasskeyLoginForm(AppForm):
    next = HiddenField()
