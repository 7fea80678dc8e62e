"""Forms of the calendar feeds page and the .ics import."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField

from minimin.calendar.inputs import FeedInput
from minimin.calendar.models import NAME_MAX
from minimin.core.forms import AppForm, TextField
from minimin.core.tenancy import parse_uuid


class FeedForm(AppForm):
    name = TextField(_l("Name"), [], NAME_MAX)
    agency = SelectField(_l("Only the jobs of"), choices=[], validate_choice=True)
    confirmed_only = BooleanField(_l("Only booked work (no enquiries or options)"))

    def to_input(self) -> FeedInput:
        return FeedInput(
            name=self.name.data or "",
            agency_id=parse_uuid(self.agency.data) if self.agency.data else None,
            confirmed_only=bool(self.confirmed_only.data),
        )


class ImportForm(AppForm):
    file = FileField(_l("Calendar file (.ics)"))
