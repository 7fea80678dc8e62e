"""Reminder wording: the user's own text with ``{placeholder}`` names, filled by plain
substitution.

There is no expression language on purpose: a user's text is data, so it can neither loop, nor
call anything, nor reach another value than the fixed set below, and filling it costs one pass
over the text whatever it contains. A name that is not in :data:`PLACEHOLDERS` is refused when
the wording is saved (:func:`unknown_placeholders`); at sending time it is left as typed.

Wording saved before placeholders replaced Jinja (``{{ number }}``, ``{% if interest %}``) is
converted by :func:`from_jinja`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

#: Every name a wording may use, in the order the page lists them.
PLACEHOLDERS = (
    "client_name",
    "invoice_number",
    "amount_due",
    "invoice_total",
    "due_date",
    "days_overdue",
    "business_name",
    "payment_link",
    "late_payment_claim",
    "interest",
    "compensation",
    "claim_total",
    "interest_rate",
    "reference_rate",
    "reference_date",
)

#: ``{name}``: the only syntax. Anything else in braces is refused on save.
_FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_BRACED = re.compile(r"\{([^{}\n]{0,40})\}")

#: Names of the Jinja wording, and what each became.
JINJA_NAMES = {
    "number": "invoice_number",
    "customer": "client_name",
    "business": "business_name",
    "amount": "amount_due",
    "total": "invoice_total",
    "due_date": "due_date",
    "days_late": "days_overdue",
    "interest": "interest",
    "compensation": "compensation",
    "claim_total": "claim_total",
    "reference_rate": "reference_rate",
    "reference_date": "reference_date",
    "interest_rate": "interest_rate",
    "link": "payment_link",
}
_CLAIM_NAMES = ("interest", "compensation", "claim_total")


def fill(text: str, values: Mapping[str, str]) -> str:
    """*text* with every known ``{name}`` replaced by its value, in one pass (a value that
    itself contains ``{...}`` is not looked at again)."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        return str(values[name]) if name in values else match.group(0)

    return _FIELD.sub(value, text)


def unknown_placeholders(text: str) -> list[str]:
    """What *text* writes in braces that is not a placeholder, e.g. ``{{ number }}`` or
    ``{amount}``, each once, in order."""
    found: list[str] = []
    for match in _BRACED.finditer(text):
        if match.group(1) not in PLACEHOLDERS and match.group(0) not in found:
            found.append(match.group(0))
    if ("{{" in text or "{%" in text) and not found:
        found.append("{{" if "{{" in text else "{%")
    return found


_JINJA_CLAIM_BLOCK = re.compile(
    r"\{%-?\s*if\s+(" + "|".join(_CLAIM_NAMES) + r")\s*-?%\}(.*?)\{%-?\s*endif\s*-?%\}", re.S
)
_JINJA_EXPRESSION = re.compile(r"\{\{-?\s*([A-Za-z_][A-Za-z0-9_]*)\s*-?\}\}")
_JINJA_ANY_EXPRESSION = re.compile(r"\{\{.*?\}\}", re.S)
_JINJA_TAG = re.compile(r"\{%.*?%\}|\{#.*?#\}", re.S)


def is_jinja(text: str) -> bool:
    return "{{" in text or "{%" in text or "{#" in text


def from_jinja(text: str) -> str:
    """Jinja wording rewritten with placeholders.

    ``{{ name }}`` becomes ``{new_name}``; a block shown only to business customers
    (``{% if interest %}…{% endif %}``) becomes ``{late_payment_claim}``, which says the same
    claim in standard words and is empty for private customers. Any other expression or tag
    (a loop, a filter, a call) has no placeholder equivalent and is dropped.
    """
    if not is_jinja(text):
        return text

    def claim(match: re.Match[str]) -> str:
        body = match.group(2)
        return body[: len(body) - len(body.lstrip())] + "{late_payment_claim}"

    def expression(match: re.Match[str]) -> str:
        name = JINJA_NAMES.get(match.group(1))
        return "{" + name + "}" if name else ""

    text = _JINJA_CLAIM_BLOCK.sub(claim, text)
    text = _JINJA_EXPRESSION.sub(expression, text)
    text = _JINJA_ANY_EXPRESSION.sub("", text)
    return _JINJA_TAG.sub("", text)
