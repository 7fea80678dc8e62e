"""The one error every banking service raises for a change it refuses.

Kept apart so that each service module (and the facade) can raise and catch it without
importing the others.
"""

from __future__ import annotations

from minimin.core.user_error import UserError


class BankingError(UserError):
    """A banking change that cannot be made."""
