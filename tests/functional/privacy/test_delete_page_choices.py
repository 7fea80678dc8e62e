"""The account-deletion page asks its records question as radio buttons in a fieldset named by
its legend, not as a bulleted list under a label that points at nothing."""

from __future__ import annotations

import re
from typing import Any


def test_records_choices_are_a_fieldset_of_radios(client: Any, make_user: Any, login: Any) -> None:
    login(client, make_user())
    page = client.get("/privacy/delete").get_data(as_text=True)
    fieldset = re.search(r'<fieldset class="field radios" id="records".*?</fieldset>', page, re.S)
    assert fieldset, "no fieldset for the records question"
    assert "<legend>Your tax records</legend>" in fieldset.group(0)
    assert fieldset.group(0).count('type="radio"') == 2
    assert "<ul" not in fieldset.group(0) and "<li" not in fieldset.group(0)
    assert '<label for="records">' not in page
    # A refused choice says why and points the error summary at the question.
    response = client.submit("/privacy/delete", {"confirm": "y", "password": "x"})
    assert response.status_code == 400
    refused = response.get_data(as_text=True)
    assert 'href="#records"' in refused
    assert 'aria-describedby="records-error"' in refused
