"""The passkeys blueprint. Its routes live in :mod:`.registration`, :mod:`.authentication` and
:mod:`.management`; the package imports all three so that every route is registered."""

from __future__ import annotations

import os

from flask import Blueprint

from minimin.core.security import USER, classify_blueprint

# The passkey pages use the accounts feature's templates (accounts/passkeys*.html): the
# blueprint is rooted at the accounts package, as it was when passkeys were one module.
bp = Blueprint(
    "passkeys",
    __name__,
    template_folder="templates",
    root_path=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
)
classify_blueprint(bp, USER)
