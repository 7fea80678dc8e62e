"""Forms of the calendar feeds page and the .ics import."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField

from minimin.calendar.models import NAME_MAX
from minimin.core.forms import AppForm, TextField


class FeedForm(AppForm):
    name = TextField(_l("Name"), [], NAME_MAX)
    agency = SelectField(_l("Only the jobs of"), choices=[], validate_choice=True)
    confirmed_only = BooleanField(_l("Only booked work (no enquiries or options)"))


class ImportForm(AppForm):
    file = FileField(_l("Calendar file (.ics)"))
