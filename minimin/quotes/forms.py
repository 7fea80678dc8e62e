"""The send-a-quote form. The recipient is one of the addresses on record for the job's client
or agency (as for invoices: Minimin does not email addresses typed in on the spot)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange, Optional

from minimin.core.forms import AppForm, MultilineTextField
from minimin.quotes.models import MESSAGE_MAX
from minimin.quotes.services import DEFAULT_DAYS, MAX_DAYS


class QuoteForm(AppForm):
    to = SelectField(_l("Send to"), choices=[], validate_choice=True)
    days = IntegerField(
        _l("Valid for (days)"),
        [
            InputRequired(_l("Enter how many days the quote stands.")),
            NumberRange(1, MAX_DAYS, _l("Enter a number of days from 1 to %(max)s.")),
        ],
        default=DEFAULT_DAYS,
    )
    message = MultilineTextField(_l("Message"), [Optional()], max_length=MESSAGE_MAX)
