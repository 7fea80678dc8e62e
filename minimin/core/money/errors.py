"""The errors of exact money: refused input, refused amounts and mixed currencies.

They live apart from :mod:`.value` and :mod:`.parsing` because both raise them and forms catch
the common base, :class:`NumberInputError`, whichever of the two refused the input.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l


class NumberInputError(ValueError):
    """Input that is not an acceptable number; ``message`` is a (lazy) translatable string and
    ``code`` a stable machine-readable reason (for the JSON API and tests)."""

    def __init__(self, message: Any, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return str(self.message)


class MoneyError(NumberInputError):
    """A money amount that cannot be accepted (bad input, sub-penny pence, unknown currency)."""


class CurrencyMismatchError(MoneyError, TypeError):
    """Two amounts in different currencies were combined."""

    def __init__(self, left: str, right: str):
        super().__init__(
            _l("Amounts in %(left)s and %(right)s cannot be combined.", left=left, right=right),
            code="currency_mismatch",
        )
        self.left = left
        self.right = right


class PercentError(NumberInputError):
    """A percentage that cannot be accepted."""
