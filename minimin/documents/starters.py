# ruff: noqa: E501 - the starter wording is HTML prose, one clause per line
"""The starter template library: wording a user copies into their own templates and edits.

The wording is written for UK freelancers (models, photographers, stylists, crew). It is a
starting point, not legal advice; the user guide says so. Each starter is plain HTML from the
allowed set (richtext.py) with placeholders from placeholders.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Starter:
    key: str
    name: object  # a lazy translation
    summary: object
    body: str


_MODEL_RELEASE = """<h2>Model release</h2>
<p>This release is made on {today} between {your_name} ("the model") and {client_name} ("the client") for the job <strong>{job_title}</strong> on {job_dates} at {job_location}.</p>
<ol>
<li>In return for the fee of {fee}, the model allows the client to use photographs and footage of the model taken during the job ("the images") for the uses set out below, and no others.</li>
<li>Media: {usage_media}. Territory: {usage_territory}. Period: {usage_term}, ending on {usage_expiry}.</li>
<li>Any further use, or use after the end date, needs the model's written agreement and a further fee.</li>
<li>The client will not use the images in a way that is defamatory or that suggests the model endorses a product, service or cause not agreed in writing.</li>
<li>This release is governed by the law of England and Wales.</li>
</ol>
<p>Signed by the model and the client.</p>"""

_USAGE_LICENCE = """<h2>Usage licence</h2>
<p>{business_name} ("the licensor") grants {client_name} ("the licensee") a non-exclusive licence to use the work produced for <strong>{job_title}</strong> ({job_dates}) on these terms:</p>
<ul>
<li><strong>Media:</strong> {usage_media}</li>
<li><strong>Territory:</strong> {usage_territory}</li>
<li><strong>Period:</strong> {usage_term}, expiring on {usage_expiry}</li>
<li><strong>Fee:</strong> {fee}</li>
</ul>
<p>The licence starts when the fee is paid in full. Use outside these media, territory or period needs a new licence. Copyright stays with the licensor. The licensee may not transfer or sub-license these rights without written consent.</p>
<p>This licence is governed by the law of England and Wales.</p>"""

_BOOKING = """<h2>Booking confirmation</h2>
<p>Dear {client_contact},</p>
<p>Thank you for booking {business_name} for <strong>{job_title}</strong>. This confirms the booking on the following terms.</p>
<ul>
<li><strong>Dates:</strong> {job_dates}</li>
<li><strong>Location:</strong> {job_location}</li>
<li><strong>Fee:</strong> {fee}</li>
<li><strong>Usage:</strong> {usage_media}, {usage_territory}, until {usage_expiry}</li>
</ul>
<h3>Terms</h3>
<ol>
<li>The fee covers the dates above. Time beyond the agreed hours is charged as overtime.</li>
<li>Travel and expenses agreed in advance are charged at cost.</li>
<li>Invoices are payable within 30 days. Late payment may attract interest and compensation under the Late Payment of Commercial Debts (Interest) Act 1998.</li>
<li>Cancellation within 48 hours of the booking is charged at the cancellation fee of {cancellation_fee}.</li>
</ol>
<p>Kind regards,<br>{your_name}<br>{business_name}</p>"""

_CANCELLATION = """<h2>Cancellation terms</h2>
<p>These terms apply to the booking of {business_name} for <strong>{job_title}</strong> on {job_dates}.</p>
<ol>
<li>Cancelled more than 7 days before the first booked date: no charge.</li>
<li>Cancelled between 7 days and 48 hours before: 50% of the fee.</li>
<li>Cancelled within 48 hours, or on the day: the full fee, or the agreed cancellation fee of {cancellation_fee}.</li>
<li>A postponement to dates the freelancer cannot make is treated as a cancellation.</li>
<li>Expenses already incurred are charged in every case.</li>
</ol>"""

_REPRESENTATION = """<h2>Representation agreement</h2>
<p>This agreement is made on {today} between {your_name} of {your_address} ("the artist") and {agency_name} ("the agency").</p>
<ol>
<li>The artist appoints the agency to seek and negotiate work for the artist in the United Kingdom. The appointment is non-exclusive unless both parties agree otherwise in writing.</li>
<li>The agency will act in the artist's best interests and comply with the Conduct of Employment Agencies and Employment Businesses Regulations 2003 and the Employment Agencies Act 1973.</li>
<li>The agency's commission is agreed in writing before each booking and deducted only from fees actually received.</li>
<li>The agency will pay the artist's share of any fee within 10 working days of receiving it and provide a statement of each payment.</li>
<li>Client money is held in a separate client account.</li>
<li>Either party may end this agreement with 30 days' written notice. Commission remains payable on bookings made before it ends.</li>
<li>This agreement is governed by the law of England and Wales.</li>
</ol>"""

_LETTER = """<p>{today}</p>
<p>Dear {client_contact},</p>
<p><strong>{job_title}</strong></p>
<p>Write your letter here.</p>
<p>Yours sincerely,<br>{your_name}<br>{business_name}</p>"""

STARTERS: tuple[Starter, ...] = (
    Starter(
        "model_release",
        _l("Model release"),
        _l("The model's consent to the use of images, limited to the job's usage."),
        _MODEL_RELEASE,
    ),
    Starter(
        "usage_licence",
        _l("Usage licence"),
        _l("A licence to use the work, filled from the job's usage line."),
        _USAGE_LICENCE,
    ),
    Starter(
        "booking_confirmation",
        _l("Booking confirmation"),
        _l("Confirms dates, fee and usage, with payment and cancellation terms."),
        _BOOKING,
    ),
    Starter(
        "cancellation_terms",
        _l("Cancellation terms"),
        _l("What a cancellation costs, by notice given."),
        _CANCELLATION,
    ),
    Starter(
        "representation",
        _l("Agency representation agreement"),
        _l("Appoints an agency to find work, with commission and payment terms."),
        _REPRESENTATION,
    ),
    Starter("letter", _l("Plain letter"), _l("A letter with your details."), _LETTER),
)
BY_KEY = {starter.key: starter for starter in STARTERS}
