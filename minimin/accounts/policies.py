"""Versions of the documents a person agrees to, recorded on their account with the time.

Change a version whenever the text it names changes materially, so the account shows which
text each person accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

#: The terms of service at /legal/terms.
TERMS_VERSION = "2025-01"


@dataclass(frozen=True)
class PolicyVersion:
    """One version of the privacy policy: when it took effect and what it changed."""

    effective: date
    changes: LazyString

    @property
    def version(self) -> str:
        return f"policy-{self.effective.isoformat()}"


#: Every version of the privacy policy at /legal/privacy, newest first; the page lists them,
#: so a version recorded on an account or a consent record long ago still says what it was.
#:
#: A new version goes first, dated the day it takes effect. Changing the version asks no one
#: to accept again by itself: accounts keep the version they signed up under, and a consent
#: (the AI features are agreed to under the policy, privacy/consent.py) given under an earlier
#: version stays in force, recorded with that version. When a change widens what a consent
#: allows (a new recipient, a new use), give that purpose a new consent instead.
#:
#: 2026-12-07 only narrows what leaves the installation (AI features without an AI service run
#: on the server; local files stay on it), so no consent is asked again.
PRIVACY_HISTORY: tuple[PolicyVersion, ...] = (
    PolicyVersion(
        date(2026, 12, 7),
        _l(
            "Says that on an installation with no AI service the AI features you switch on work "
            "on its own server, by rules, and that with local storage your files stay on that "
            "server."
        ),
    ),
    PolicyVersion(
        date(2025, 8, 30),
        _l(
            "Written from what the installation does: who the controller is, the outside "
            "services its settings use, what an export holds and how long each kind of data is "
            "kept."
        ),
    ),
)
#: The version in force: shown on the page and recorded on the account at signup and on the
#: consent records of the AI features.
PRIVACY_EFFECTIVE = PRIVACY_HISTORY[0].effective
PRIVACY_VERSION = PRIVACY_HISTORY[0].version
#: The wording of the product-news consent checkbox on the signup and account pages.
NEWS_CONSENT_VERSION = "news-2025-01"
