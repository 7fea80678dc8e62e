"""Parsing and validation of contact fields: each function returns the normalised value or raises
:class:`InvalidValue` with a message that says what is wrong and what would be right.

No Flask or SQLAlchemy here (docs/design-rules.md, rule 2); messages are lazily translated strings.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from stdnum import vatin
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.gb import vat as gb_vat

PERCENT_MAX = Decimal("100")
PERCENT_PLACES = 3


class InvalidValue(ValueError):
    """A value a user typed that cannot be accepted; ``str(exc)`` is the message to show."""


_PERCENT_RE = re.compile(r"^[0-9]{1,3}(?:\.([0-9]+))?$")


def parse_percent(text: str) -> Decimal:
    """``"15"``, ``"12.5"`` or ``"12.5%"`` → ``Decimal`` percent between 0 and 100."""
    value = text.strip().removesuffix("%").strip()
    match = _PERCENT_RE.match(value)
    if not match:
        raise InvalidValue(_l("Enter a percentage between 0 and 100, for example 15 or 12.5."))
    places = match.group(1) or ""
    if len(places) > PERCENT_PLACES:
        raise InvalidValue(_l("Use at most 3 decimal places for a percentage, for example 12.125."))
    try:
        number = Decimal(value)
    except InvalidOperation as exc:  # pragma: no cover - the pattern only lets numbers through
        raise InvalidValue(_l("Enter a percentage between 0 and 100.")) from exc
    if number > PERCENT_MAX:
        raise InvalidValue(_l("A percentage cannot be more than 100."))
    return number


_DAYS_RE = re.compile(r"^[0-9]{1,6}$")


def parse_payment_terms(text: str, maximum: int = 365) -> int:
    value = text.strip()
    if not _DAYS_RE.match(value):
        raise InvalidValue(_l("Enter the payment terms as a whole number of days, for example 30."))
    days = int(value)
    if days > maximum:
        raise InvalidValue(_l("Payment terms can be at most %(max)s days.", max=maximum))
    return days


# EU member states plus Northern Ireland's XI prefix; Greece uses EL in VAT numbers.
_EU_PREFIXES = {code.upper() for code in eu_vat.MEMBER_STATES} | {"EL"}


def normalise_vat_number(text: str) -> str:
    """A UK (GB/XI) or EU VAT number, checked with its check digits, in compact form.

    A UK number may be typed without its ``GB`` prefix. Other countries' VAT numbers are
    accepted when python-stdnum knows their format (for example Switzerland or Norway).
    """
    compact = re.sub(r"[\s.\-]", "", text).upper()
    if not compact:
        raise InvalidValue(_l("Enter a VAT number."))
    if compact.isdigit():
        compact = "GB" + compact
    prefix = compact[:2]
    try:
        if prefix in ("GB", "XI"):
            valid = gb_vat.is_valid(compact[2:])
            result = prefix + gb_vat.compact(compact[2:]) if valid else ""
        elif prefix in _EU_PREFIXES:
            valid = eu_vat.is_valid(compact)
            result = eu_vat.compact(compact) if valid else ""
        elif prefix.isalpha():
            valid = vatin.is_valid(compact)
            result = vatin.compact(compact) if valid else ""
        else:
            valid, result = False, ""
    except (StdnumError, ValueError, KeyError, IndexError):
        valid, result = False, ""
    if not valid:
        if prefix in ("GB", "XI"):
            raise InvalidValue(
                _l(
                    "This is not a valid UK VAT number: check the 9 digits "
                    "(for example GB980780684)."
                )
            )
        raise InvalidValue(
            _l(
                "This is not a valid VAT number. Start with the country code "
                "(GB for the UK, for example GB980780684, or an EU code such as DE or FR) "
                "and check the digits."
            )
        )
    if len(result) > 20:
        raise InvalidValue(_l("A VAT number has at most 20 characters."))
    return result


_POSTCODE_RE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")


def normalise_uk_postcode(text: str) -> str:
    """``sw1a1aa`` → ``SW1A 1AA``; refuses anything that is not the shape of a UK postcode."""
    compact = re.sub(r"\s+", "", text).upper()
    if compact == "GIR0AA":
        return "GIR 0AA"
    match = _POSTCODE_RE.match(compact)
    if not match:
        raise InvalidValue(_l("Enter a UK postcode, for example SW1A 1AA."))
    return f"{match.group(1)} {match.group(2)}"


def normalise_phone(text: str, country: str = "GB") -> str:
    """A valid phone number in international format (``+44 20 7946 0000``)."""
    value = text.strip()
    try:
        number = phonenumbers.parse(value, country or "GB")
    except phonenumbers.NumberParseException as exc:
        raise InvalidValue(
            _l("Enter a phone number, for example 020 7946 0000 or +44 20 7946 0000.")
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidValue(
            _l(
                "This phone number is not valid: check the number of digits "
                "(for example 07911 123456 or +44 20 7946 0000)."
            )
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def normalise_email(text: str) -> str:
    value = text.strip()
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidValue(_l("Enter an email address like name@example.com.")) from exc
    if len(result.normalized) > 254:
        raise InvalidValue(_l("An email address has at most 254 characters."))
    return str(result.normalized)


DATE_MIN = date(1990, 1, 1)
DATE_MAX = date(2100, 12, 31)


def parse_date(text: str) -> date:
    """``2026-04-06`` (what a date input sends) or ``06/04/2026`` (UK order)."""
    value = text.strip()
    parsed = None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            parsed = datetime.strptime(value, fmt).date()
            break
        except ValueError:
            continue
    if parsed is None:
        raise InvalidValue(_l("Enter a real date as day/month/year, for example 06/04/2026."))
    if not DATE_MIN <= parsed <= DATE_MAX:
        raise InvalidValue(_l("Enter a date between 1990 and 2100."))
    return parsed
