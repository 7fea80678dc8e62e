"""Stripe connection form."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length

from minimin.core.forms import AppForm

KEY_RE = re.compile(r"^(rk|sk)_(test|live)_[A-Za-z0-9]{8,200}$")
WEBHOOK_SECRET_RE = re.compile(r"^whsec_[A-Za-z0-9+/=]{8,200}$")


class StripeConnectForm(AppForm):
    secret_key = PasswordField(
        _l("Restricted secret key"),
        [DataRequired(), Length(max=255)],
        render_kw={"autocomplete": "off", "maxlength": 255},
    )
    webhook_secret = PasswordField(
        _l("Webhook signing secret"),
        [DataRequired(), Length(max=255)],
        render_kw={"autocomplete": "off", "maxlength": 255},
    )

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        key = (self.secret_key.data or "").strip()
        secret = (self.webhook_secret.data or "").strip()
        if key and not KEY_RE.match(key):
            self.secret_key.errors = [
                *self.secret_key.errors,
                _(
                    "Paste a Stripe secret key: it starts with rk_live_, rk_test_, sk_live_ or "
                    "sk_test_."
                ),
            ]
            ok = False
        if secret and not WEBHOOK_SECRET_RE.match(secret):
            self.webhook_secret.errors = [
                *self.webhook_secret.errors,
                _("Paste the webhook signing secret: it starts with whsec_."),
            ]
            ok = False
        self.secret_key.data = key
        self.webhook_secret.data = secret
        return ok
