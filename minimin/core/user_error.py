"""The one shape of a refusal the user is shown: something they entered or asked for that
cannot be accepted or done, and why."""

from __future__ import annotations

from typing import Any

#: The code of a refusal because of the record's current state, not what was entered: an
#: issued invoice changed, an invoiced job deleted, an answered quote withdrawn, a posted
#: remittance edited. Pages show it like any refusal; the API answers it 409 Conflict
#: (``minimin/api/problems.py``), every other code 422.
CONFLICT = "conflict"


class UserError(ValueError):
    """A refusal shown to the user as it is. ``message`` is usually a lazy translation, so it
    is rendered in the language of whoever reads it; ``field`` names the form field it is
    about, when there is one; ``code`` is a stable, machine-readable reason (for the JSON
    errors and for tests)."""

    def __init__(self, message: Any, field: str | None = None, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code

    def __str__(self) -> str:
        return str(self.message)
