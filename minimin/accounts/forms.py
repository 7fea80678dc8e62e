"""Account forms. Field limits are enforced here, before anything reaches the database."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, Length

from minimin.accounts.models import EMAIL_MAX

PASSWORD_MAX = 1024


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        validators=[DataRequired(_l("Enter your email address.")), Length(max=EMAIL_MAX)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password.")), Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()
