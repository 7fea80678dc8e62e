"""The errors of exact money: refused input, refused amounts and mixed currencies.

They live apart from :mod:`.value` and :mod:`.parsing` because both raise them and forms catch
the common base, :class:`NumberInputError`, whichever of the two refused the input.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from minimin.core.user_error import UserError


class NumberInputError(UserError):
    """Input that is not an acceptable number."""


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
