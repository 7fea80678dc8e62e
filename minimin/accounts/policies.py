"""Versions of the documents a person agrees to, recorded on their account with the time.

Change a version whenever the text it names changes materially, so the account shows which
text each person accepted.
"""

from __future__ import annotations

from datetime import date

#: The terms of service at /legal/terms.
TERMS_VERSION = "2025-01"
#: The privacy policy at /legal/privacy: its effective date and version, shown on the page
#: and recorded on the account at signup and on the consent records of the AI features.
PRIVACY_EFFECTIVE = date(2025, 8, 30)
PRIVACY_VERSION = f"policy-{PRIVACY_EFFECTIVE.isoformat()}"
#: The wording of the product-news consent checkbox on the signup and account pages.
NEWS_CONSENT_VERSION = "news-2025-01"
