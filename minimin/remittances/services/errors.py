"""The one error every remittance service raises for a change it refuses.

Kept apart so that each service module (and the facade) can raise and catch it without
importing the others.
"""

from __future__ import annotations

from typing import Any


class RemittanceError(ValueError):
    """A change that cannot be made; ``message`` is shown to the user, ``field`` names the
    form field when there is one."""

    def __init__(self, message: Any, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)
