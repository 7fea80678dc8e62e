"""What the account pages ask the accounts services to do: the typed inputs the pages build
(docs/decisions/0009-typed-service-inputs.md). Values are already checked by the forms (an
address's syntax, a new password's strength); the services apply the account rules (limits,
timing, the security log)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SignupInput:
    full_name: str
    email: str
    password: str
    #: Product news chosen on the signup form.
    news: bool = False


@dataclass(frozen=True)
class LoginInput:
    email: str
    password: str


@dataclass(frozen=True)
class PasswordResetInput:
    """The new password chosen through an emailed reset link."""

    password: str


@dataclass(frozen=True)
class PasswordChangeInput:
    """The new password of a signed-in account (the current one is checked before)."""

    new_password: str


@dataclass(frozen=True)
class NameInput:
    full_name: str


@dataclass(frozen=True)
class EmailChangeInput:
    new_email: str


@dataclass(frozen=True)
class NewsConsentInput:
    """Whether the person wants product news (account page, /privacy, unsubscribe link)."""

    news: bool


@dataclass(frozen=True)
class PasskeyInput:
    """A passkey whose attestation has been checked (accounts.passkeys.registration)."""

    credential_id: str
    public_key: bytes
    sign_count: int
    name: str
    transports: tuple[str, ...] = ()
    backed_up: bool = False


@dataclass(frozen=True)
class PasskeyNameInput:
    name: str


@dataclass(frozen=True)
class SecondFactorInput:
    """Whether signing in asks for a passkey after the password (the password is rechecked
    and a passkey's presence is checked before)."""

    require_after_password: bool


@dataclass(frozen=True)
class EmailRequestInput:
    """An address typed on a public page asking for a link (reset, verification): answered
    alike whether or not it has an account."""

    email: str
