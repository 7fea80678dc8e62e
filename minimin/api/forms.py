"""The account page's form for a new personal access token."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice, SelectField
from wtforms.validators import InputRequired

from minimin.api.inputs import TokenInput
from minimin.api.models import NAME_MAX
from minimin.api.scopes import AREAS, READ, WRITE, from_levels, levels_of
from minimin.api.tokens import LIFETIMES
from minimin.core.forms import AppForm, TextField

LEVELS = [
    SelectChoice("", _l("No access")),
    SelectChoice(READ, _l("Read")),
    SelectChoice(WRITE, _l("Read and write")),
]


class TokenForm(AppForm):
    name = TextField(_l("Name"), [InputRequired(_l("Give the token a name."))], max_length=NAME_MAX)
    expires = SelectField(
        _l("Expires after"),
        choices=[SelectChoice(str(d), _l("%(n)d days", n=d)) for d in LIFETIMES],
        default="90",
    )

    def levels(self) -> dict[str, str]:
        return {area: self[f"scope_{area}"].data or "" for area in AREAS}

    def scope_fields(self) -> list[Any]:
        return [self[f"scope_{area}"] for area in AREAS]

    def to_input(self) -> TokenInput:
        return TokenInput(
            name=self.name.data or "",
            scopes=tuple(from_levels(self.levels())),
            days=int(self.expires.data or 0),
        )


for _area, _label in AREAS.items():
    _choices = LEVELS if WRITE in levels_of(_area) else LEVELS[:2]
    setattr(TokenForm, f"scope_{_area}", SelectField(_label, choices=_choices, default=""))
