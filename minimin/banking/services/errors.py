"""The one error every banking service raises for a change it refuses.

Kept apart so that each service module (and the facade) can raise and catch it without
importing the others.
"""

from __future__ import annotations

from typing import Any


class BankingError(ValueError):
    def __init__(self, message: Any, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)
