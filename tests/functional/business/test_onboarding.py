"""Guided setup after the first sign-in: work type → details → VAT; skippable and resumable."""

from __future__ import annotations

SETUP = "/settings/business/setup"


def test_first_visit_to_dashboard_goes_to_setup(signed_in):
    response = signed_in.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(SETUP)
    page = signed_in.get(SETUP).get_data(as_text=True)
    assert "Step 1 of 3" in page and "How do you work?" in page


def test_other_pages_are_never_trapped(signed_in):
    assert signed_in.get("/settings/business/details").status_code == 200
    assert signed_in.get("/legal/privacy").status_code == 200


def test_anonymous_home_is_not_redirected(client):
    assert client.get("/").status_code == 200


def test_full_setup_then_dashboard(signed_in, user, profile_of):
    r = signed_in.submit(SETUP, {"step": "work_type", "work_type": "agency"})
    assert r.status_code == 302 and "step=details" in r.headers["Location"]
    r = signed_in.submit(
        SETUP,
        {"step": "details", "business_name": "Ann Smith", "postcode": "m1 1ae"},
        form_page=SETUP + "?step=details",
    )
    assert r.status_code == 302 and "step=vat" in r.headers["Location"]
    r = signed_in.submit(SETUP, {"step": "vat"}, form_page=SETUP + "?step=vat")
    # The last look before the first invoice: bank details, numbering and logo.
    assert r.status_code == 302 and r.headers["Location"].endswith(SETUP + "/getting-paid")
    last = signed_in.get(r.headers["Location"]).get_data(as_text=True)
    for item in ("Bank details", "Invoice numbering", "Logo (optional)"):
        assert item in last
    assert "Your next invoice will be INV-" in last
    assert 'href="/settings/business/bank"' in last and 'href="/settings/business/branding"' in last
    assert last.count(">To do<") == 2  # no bank details, no logo yet
    settings = signed_in.get("/settings/business/details").get_data(as_text=True)
    assert "Still to set up:" in settings
    profile = profile_of(user)
    assert profile.onboarding_step == "done"
    assert (profile.work_type, profile.business_name, profile.postcode) == (
        "agency",
        "Ann Smith",
        "M1 1AE",
    )
    assert profile.vat_registered is False
    dashboard = signed_in.get("/")
    assert dashboard.status_code == 200
    assert "Hello" in dashboard.get_data(as_text=True)


def test_setup_is_resumable(signed_in, user, profile_of):
    signed_in.submit(SETUP, {"step": "work_type", "work_type": "freelance"})
    # Later: the dashboard sends the user back to where they left off.
    assert signed_in.get("/").headers["Location"].endswith(SETUP)
    page = signed_in.get(SETUP).get_data(as_text=True)
    assert "Step 2 of 3" in page
    # Going back shows the earlier step; jumping ahead is not possible.
    assert "Step 1 of 3" in signed_in.get(SETUP + "?step=work_type").get_data(as_text=True)
    assert "Step 2 of 3" in signed_in.get(SETUP + "?step=vat").get_data(as_text=True)
    assert profile_of(user).onboarding_step == "details"


def test_skip(signed_in, user, profile_of):
    r = signed_in.submit(SETUP + "/skip", {}, form_page=SETUP)
    assert r.status_code == 302
    assert profile_of(user).onboarding_step == "skipped"
    assert signed_in.get("/").status_code == 200


def test_invalid_step_input_is_refused_and_nothing_stored(signed_in, user, profile_of):
    r = signed_in.submit(SETUP, {"step": "work_type", "work_type": "x" * 10000})
    assert r.status_code == 400
    assert "Choose how you work" in r.get_data(as_text=True)
    r = signed_in.submit(SETUP, {"step": "../../admin", "work_type": "agency"})
    assert r.status_code == 302  # an unknown step falls back to the current one
    assert profile_of(user).work_type == "agency"


def test_bad_details_in_setup(signed_in, user, profile_of):
    signed_in.submit(SETUP, {"step": "work_type", "work_type": "agency"})
    r = signed_in.submit(
        SETUP, {"step": "details", "postcode": "XX1 1XX"}, form_page=SETUP + "?step=details"
    )
    assert r.status_code == 400
    assert "Enter a UK postcode" in r.get_data(as_text=True)
    assert profile_of(user).onboarding_step == "details"
