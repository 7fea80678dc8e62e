"""Password rules (docs/security.md, Authentication): at least 12 characters, no composition
rules, a zxcvbn
strength score of at least 3 (counting the person's own name and address against it), and not
one of the common passwords shipped in ``data/common-passwords.txt``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from flask_babel import gettext as _
from zxcvbn import zxcvbn

PASSWORD_MIN = 12
PASSWORD_MAX = 1024
MIN_SCORE = 3
#: zxcvbn's matching is super-linear in the length; beyond this a password is judged by its
#: first characters only (a long password is strong unless its start is a known pattern).
ZXCVBN_PREFIX = 72  # zxcvbn refuses (ValueError) anything longer

COMMON_PASSWORDS_FILE = Path(__file__).parent / "data" / "common-passwords.txt"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    with COMMON_PASSWORDS_FILE.open(encoding="utf-8") as fh:
        return frozenset(
            line.rstrip("\n").casefold() for line in fh if line.strip() and not line.startswith("#")
        )


def password_problem(password: str, user_inputs: list[str] | None = None) -> str | None:
    """Why *password* is not acceptable, or None if it is."""
    if len(password) < PASSWORD_MIN:
        return _("Use at least %(n)d characters.", n=PASSWORD_MIN)
    if len(password) > PASSWORD_MAX:
        return _("Use at most %(n)d characters.", n=PASSWORD_MAX)
    if password.casefold() in common_passwords():
        return _("That password is one of the most common passwords. Choose another.")
    inputs = [i for i in (user_inputs or []) if i]
    # The parts of an email address and a name are guessable too.
    for value in list(inputs):
        inputs.extend(part for part in value.replace("@", " ").replace(".", " ").split() if part)
    result = zxcvbn(password[:ZXCVBN_PREFIX], user_inputs=inputs[:20])
    if result["score"] < MIN_SCORE:
        hint = (result.get("feedback") or {}).get("warning") or ""
        message = _(
            "That password would be too easy to guess. A few unrelated words together make a "
            "strong password that is easy to remember."
        )
        return f"{message} {hint}".strip() if hint else message
    return None
