"""Pure rules for business data: normalising and checking identifiers, masking secrets, the
effective flat rate. No Flask, no SQLAlchemy: forms and services call these and turn the
:class:`InvalidValue` codes into messages.
"""

from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import urlsplit

import phonenumbers
from stdnum import bic as std_bic
from stdnum import iban as std_iban
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.gb import utr as std_utr
from stdnum.gb import vat as std_vat

LIMITED_COST_TRADER_RATE = Decimal("16.5")
FIRST_YEAR_DISCOUNT = Decimal("1")


class InvalidValue(ValueError):
    """A value that does not pass its rule; ``code`` names the rule."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015.]")

# UK postcodes (BS 7666 shapes plus the special GIR 0AA), checked with the space removed.
_POSTCODE = re.compile(
    r"^(GIR0AA|"
    r"[A-PR-UWYZ](?:[0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPSTUW]|[A-HK-Y][0-9][ABEHMNPRVWXY])"
    r"[0-9][ABD-HJLNP-UW-Z]{2})$"
)


def normalise_postcode(text: str) -> str:
    """``"sw1a1aa"`` → ``"SW1A 1AA"``; :class:`InvalidValue` ``postcode`` if not a UK postcode."""
    compact = re.sub(r"\s+", "", text).upper()
    if not _POSTCODE.match(compact):
        raise InvalidValue("postcode")
    return f"{compact[:-3]} {compact[-3:]}"


def normalise_phone(text: str, region: str = "GB") -> str:
    """A phone number in E.164 (``+442079460000``); UK numbers may be written nationally."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidValue("phone") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidValue("phone")
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def display_phone(e164: str | None) -> str:
    """UK numbers in national form (``020 7946 0000``), others internationally."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 44
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return str(phonenumbers.format_number(number, fmt))


def normalise_vat_number(text: str) -> str:
    """A UK VAT number with valid check digits, stored as ``GB`` + digits (``GB980780684``)."""
    compact = _SEPARATORS.sub("", text).upper()
    try:
        number = std_vat.validate(compact)
    except StdnumError as exc:
        raise InvalidValue("vat_number") from exc
    return number if number.startswith(("GD", "HA")) else f"GB{number}"


def normalise_utr(text: str) -> str:
    """A Unique Taxpayer Reference: 10 digits with a valid check digit."""
    compact = _SEPARATORS.sub("", text).upper().removeprefix("K").removesuffix("K")
    if not compact.isdigit() or len(compact) != 10:
        raise InvalidValue("utr_length")
    try:
        return str(std_utr.validate(compact))
    except StdnumError as exc:
        raise InvalidValue("utr_check") from exc


def normalise_sort_code(text: str) -> str:
    compact = _SEPARATORS.sub("", text)
    if not (compact.isascii() and compact.isdigit() and len(compact) == 6):
        raise InvalidValue("sort_code")
    return compact


def format_sort_code(code: str | None) -> str:
    return f"{code[0:2]}-{code[2:4]}-{code[4:6]}" if code and len(code) == 6 else (code or "")


def normalise_account_number(text: str) -> str:
    compact = _SEPARATORS.sub("", text)
    if not (compact.isascii() and compact.isdigit() and len(compact) == 8):
        raise InvalidValue("account_number")
    return compact


def normalise_iban(text: str) -> str:
    try:
        return str(std_iban.validate(_SEPARATORS.sub("", text).upper()))
    except StdnumError as exc:
        raise InvalidValue("iban") from exc


def format_iban(iban: str | None) -> str:
    return std_iban.format(iban) if iban else ""


def normalise_bic(text: str) -> str:
    try:
        return str(std_bic.validate(_SEPARATORS.sub("", text).upper()))
    except StdnumError as exc:
        raise InvalidValue("bic") from exc


def normalise_website(text: str) -> str:
    """An ``http`` or ``https`` address; ``example.com`` becomes ``https://example.com``."""
    text = text.strip()
    if re.search(r"\s", text):
        raise InvalidValue("website")
    if "://" not in text and not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", text):
        text = "https://" + text
    try:
        parts = urlsplit(text)
        hostname = parts.hostname
    except ValueError as exc:
        raise InvalidValue("website") from exc
    if parts.scheme.lower() not in ("http", "https"):
        raise InvalidValue("website_scheme")
    if not hostname or "." not in hostname or parts.username or parts.password:
        raise InvalidValue("website")
    return text


def mask(value: str | None, visible: int = 4) -> str:
    """``"12345678"`` → ``"••••5678"``: enough to recognise, not enough to use."""
    if not value:
        return ""
    compact = value.replace(" ", "")
    return "••••" + compact[-visible:] if len(compact) > visible else "••••"


def effective_flat_rate(
    sector_percent: Decimal | None, *, limited_cost_trader: bool, first_year: bool
) -> Decimal | None:
    """The Flat Rate Scheme percentage to apply: the sector's rate, or 16.5% for a limited cost
    trader, less 1 point in the first year of VAT registration."""
    rate = LIMITED_COST_TRADER_RATE if limited_cost_trader else sector_percent
    if rate is None:
        return None
    if first_year:
        rate = rate - FIRST_YEAR_DISCOUNT
    return rate


def check_next_number(requested: int, highest_issued: int) -> None:
    """The next document number may be raised freely, but never set at or below a number already
    issued (that would issue the same number twice)."""
    if requested < 1:
        raise InvalidValue("number_positive")
    if requested <= highest_issued:
        raise InvalidValue("number_below_issued")
