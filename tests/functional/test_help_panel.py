"""Each main page has a help panel from the registry (pages/help.py): what it is for, the rule
behind its figures and a link to its section of the in-app user guide, which exists."""

from __future__ import annotations

import re
from typing import Any

from minimin.pages.help import HELP


def test_every_help_entry_links_to_a_heading_of_the_guide(client: Any) -> None:
    guide = client.get("/guide")
    assert guide.status_code == 200
    ids = set(re.findall(r'<h[1-4] id="([^"]+)"', guide.get_data(as_text=True)))
    for endpoint, entry in HELP.items():
        assert entry.section in ids, f"{endpoint}: no guide heading #{entry.section}"
    # The guide's text is shown as text: markdown-it runs with raw HTML off.
    article = guide.get_data(as_text=True).split('<article class="guide"', 1)[1]
    assert "<script" not in article and "<h2" in article


def test_signed_in_pages_show_their_panel(client: Any, make_user: Any, login: Any) -> None:
    login(client, make_user())
    for path, words in (
        ("/jobs", "Every booking, enquiry and option"),
        ("/invoices", "Your invoices, what is owed"),
        ("/reports/", "Every report, for your tax return"),
        ("/clients", "The businesses and people you invoice directly"),
    ):
        page = client.get(path).get_data(as_text=True)
        assert "About this page" in page and words in page, path
        assert re.search(r'href="/guide#[a-z0-9-]+"', page), path
    # A page with no entry has no panel.
    assert "About this page" not in client.get("/account").get_data(as_text=True)
