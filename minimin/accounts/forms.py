"""Account forms. Field limits are enforced here, before anything reaches the database."""

from __future__ import annotations

from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, Field, Form, HiddenField, PasswordField
from wtforms.validators import DataRequired, StopValidation, ValidationError

from minimin.accounts.inputs import (
    EmailChangeInput,
    EmailRequestInput,
    LoginInput,
    NameInput,
    NewsConsentInput,
    PasswordChangeInput,
    PasswordResetInput,
    SignupInput,
)
from minimin.accounts.models import EMAIL_MAX, NAME_MAX
from minimin.accounts.passwords import PASSWORD_MAX, PASSWORD_MIN, password_problem
from minimin.core.forms import AppForm, TextField, check_text


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class Storable:
    """Stop validating at the first text that cannot be stored, or that is far too long,
    so that later (expensive) checks never see it."""

    def __init__(self, max_length: int, message: Any):
        self.max_length = max_length
        self.message = message

    def __call__(self, form: Form, field: Field) -> None:
        value = field.data or ""
        if len(value) > self.max_length:
            # Not shown back in the form: an over-long value is not echoed into the page.
            field.data = ""
            field.raw_data = [""]
            raise StopValidation(str(self.message))
        reason = check_text(value)
        if reason:
            raise StopValidation(reason)


class ValidEmail:
    """A syntactically valid address (no DNS lookups: no outside calls)."""

    def __call__(self, form: Form, field: Field) -> None:
        try:
            validate_email(field.data or "", check_deliverability=False)
        except EmailNotValidError as exc:
            raise ValidationError(
                str(_l("Enter a valid email address, like name@example.com."))
            ) from exc


class StrongPassword:
    """The password rules of accounts.passwords, with the person's own details as guesses."""

    def __init__(self, *inputs: str):
        self.inputs = inputs

    def __call__(self, form: Form, field: Field) -> None:
        user_inputs = [str(getattr(form, name).data or "") for name in self.inputs if name in form]
        user_inputs.extend(getattr(form, "extra_user_inputs", []))
        problem = password_problem(field.data or "", user_inputs)
        if problem:
            raise ValidationError(problem)


def email_field(label: Any = None, *, verify: bool = True, **kwargs: Any) -> EmailField:
    validators: list[Any] = [
        DataRequired(_l("Enter your email address.")),
        Storable(EMAIL_MAX, _l("An email address has at most %(n)d characters.", n=EMAIL_MAX)),
    ]
    if verify:
        validators.append(ValidEmail())
    kwargs.setdefault("render_kw", {"autocomplete": "email", "maxlength": EMAIL_MAX})
    return EmailField(label or _l("Email address"), validators, filters=[_strip], **kwargs)


def current_password_field(label: Any = None) -> PasswordField:
    return PasswordField(
        label or _l("Password"),
        validators=[
            DataRequired(_l("Enter your password.")),
            Storable(PASSWORD_MAX, _l("A password has at most %(n)d characters.", n=PASSWORD_MAX)),
        ],
        render_kw={"autocomplete": "current-password", "maxlength": PASSWORD_MAX},
    )


def new_password_field(label: Any = None, *inputs: str) -> PasswordField:
    return PasswordField(
        label or _l("Password"),
        validators=[
            DataRequired(_l("Choose a password.")),
            Storable(PASSWORD_MAX, _l("A password has at most %(n)d characters.", n=PASSWORD_MAX)),
            StrongPassword(*inputs),
        ],
        render_kw={
            "autocomplete": "new-password",
            "minlength": PASSWORD_MIN,
            "maxlength": PASSWORD_MAX,
        },
    )


def name_field() -> TextField:
    return TextField(
        _l("Full name"),
        [
            DataRequired(_l("Enter your full name.")),
            Storable(NAME_MAX, _l("A name has at most %(n)d characters.", n=NAME_MAX)),
        ],
        max_length=NAME_MAX,
        render_kw={"autocomplete": "name", "maxlength": NAME_MAX},
    )


class LoginForm(AppForm):
    email = email_field(
        verify=False, render_kw={"autocomplete": "username", "maxlength": EMAIL_MAX}
    )
    password = current_password_field()
    next = HiddenField()

    def to_input(self) -> LoginInput:
        return LoginInput(email=self.email.data or "", password=self.password.data or "")


class SignupForm(AppForm):
    full_name = name_field()
    email = email_field()
    password = new_password_field(None, "full_name", "email")
    adult = BooleanField(
        _l("I am 18 or over"),
        validators=[DataRequired(_l("Minimin is only for people aged 18 or over."))],
    )
    accept_terms = BooleanField(
        _l("I accept the terms of service and the privacy policy"),
        validators=[DataRequired(_l("To create an account, accept the terms and privacy policy."))],
    )
    news = BooleanField(_l("Email me occasional product news (you can stop at any time)"))

    def to_input(self) -> SignupInput:
        return SignupInput(
            full_name=self.full_name.data or "",
            email=self.email.data or "",
            password=self.password.data or "",
            news=bool(self.news.data),
        )


class EmailOnlyForm(AppForm):
    email = email_field(verify=False)

    def to_input(self) -> EmailRequestInput:
        return EmailRequestInput(email=self.email.data or "")


class NewPasswordForm(AppForm):
    password = new_password_field(_l("New password"))
    extra_user_inputs: list[str] = []

    def to_input(self) -> PasswordResetInput:
        return PasswordResetInput(password=self.password.data or "")


class NameForm(AppForm):
    full_name = name_field()

    def to_input(self) -> NameInput:
        return NameInput(full_name=self.full_name.data or "")


class ChangeEmailForm(AppForm):
    new_email = email_field(_l("New email address"))
    password = current_password_field(_l("Your current password"))

    def to_input(self) -> EmailChangeInput:
        return EmailChangeInput(new_email=self.new_email.data or "")


class ChangePasswordForm(AppForm):
    current_password = current_password_field(_l("Current password"))
    new_password = new_password_field(_l("New password"))
    extra_user_inputs: list[str] = []

    def to_input(self) -> PasswordChangeInput:
        return PasswordChangeInput(new_password=self.new_password.data or "")


class NewsForm(AppForm):
    news = BooleanField(_l("Email me occasional product news"))

    def to_input(self) -> NewsConsentInput:
        return NewsConsentInput(news=bool(self.news.data))
