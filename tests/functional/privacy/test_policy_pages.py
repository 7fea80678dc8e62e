"""The privacy policy and cookie pages state what the code does."""

from __future__ import annotations

import re
from typing import Any


def _cookie_names(response: Any) -> set[str]:
    return {h.split("=", 1)[0].strip() for h in response.headers.getlist("Set-Cookie")}


def test_every_cookie_minimin_sets_is_on_the_cookie_page(
    app: Any, client: Any, make_user: Any, login: Any
) -> None:
    """A whole visit (pages, sign-in, preferences, a form, sign-out): each cookie set is listed."""
    seen: set[str] = set()
    for path in ("/", "/login", "/signup", "/legal/cookies", "/legal/privacy"):
        seen |= _cookie_names(client.get(path))
    user = make_user()
    seen |= _cookie_names(login(client, user))
    for path in ("/privacy", "/account", "/settings/business"):
        seen |= _cookie_names(client.get(path))
    seen |= _cookie_names(
        client.submit(
            "/preferences",
            {"language": "en_GB", "theme": "dark", "next": "/"},
            form_page="/account",
        )
    )
    seen |= _cookie_names(client.submit("/privacy/consent/ai/give", {}, form_page="/privacy"))
    seen |= _cookie_names(client.submit("/logout", {}, form_page="/account"))
    assert seen, "no cookie was set at all: the test did not exercise the site"
    page = client.get("/legal/cookies").get_data(as_text=True)
    listed = set(re.findall(r"<code>([^<]+)</code>", page))
    assert seen <= listed, f"cookies set but not on the cookie page: {sorted(seen - listed)}"
    assert app.config["SESSION_COOKIE_NAME"] in listed


def _policy(app: Any, **settings: Any) -> str:
    """The policy page of *app* with its configuration changed as an operator would."""
    import dataclasses

    app.config["MINIMIN_SETTINGS"] = dataclasses.replace(app.config["MINIMIN_SETTINGS"], **settings)
    text = app.test_client().get("/legal/privacy").get_data(as_text=True)
    return re.sub(r"\s+", " ", text)


def _section(page: str, anchor: str) -> str:
    start = page.index(f'id="{anchor}"')
    end = page.find("<h2", start)
    return page[start:end]


def test_policy_names_the_processors_the_configuration_uses(app: Any) -> None:
    local = _policy(app, mail_backend="file", storage_backend="local", anthropic_api_key=None)
    sharing = _section(local, "sharing")
    for name in ("Resend", "SendGrid", "Anthropic", "S3"):
        assert name not in sharing
    assert "Stripe" in sharing  # the payments feature is part of this installation
    assert "kept on this installation" in sharing.replace("&#39;", "'")
    assert "Google Analytics" in local  # named only to say it is not used

    hosted = _policy(
        app,
        mail_backend="resend",
        storage_backend="s3",
        s3={"endpoint_url": "https://objects.example-storage.net", "region": "uk-lon-1"},
        anthropic_api_key="sk-test",
    )
    sharing, transfers = _section(hosted, "sharing"), _section(hosted, "transfers")
    for name in ("Resend", "objects.example-storage.net", "Stripe", "Anthropic"):
        assert name in sharing and name in transfers
    assert "uk-lon-1" in transfers and "SendGrid" not in sharing
    assert "kept on this installation" not in sharing.replace("&#39;", "'")
    relay = _policy(app, mail_backend="smtp", smtp={"host": "smtp.relay.example"})
    assert "smtp.relay.example" in _section(relay, "sharing")
    sendgrid = _policy(app, mail_backend="sendgrid", anthropic_api_key=None)
    assert "SendGrid" in _section(sendgrid, "sharing")
    assert "Anthropic" not in _section(sendgrid, "sharing")


def test_policy_names_the_controller_version_rights_and_the_ico(app: Any) -> None:
    from minimin.accounts.policies import PRIVACY_EFFECTIVE, PRIVACY_VERSION
    from minimin.privacy import consent
    from minimin.privacy.models import AI_FEATURES

    page = _policy(
        app,
        controller_name="Jo Bloggs Photography",
        controller_address="1 High Street, Leeds LS1 1AA",
        controller_email="privacy@jobloggs.example",
        ico_registration="ZA123456",
    )
    for text in (
        "Jo Bloggs Photography",
        "1 High Street, Leeds LS1 1AA",
        "privacy@jobloggs.example",
        "ZA123456",
    ):
        assert text in page
    # One version, one date: the page and the consent records share them.
    assert PRIVACY_VERSION in page and PRIVACY_EFFECTIVE.strftime("%-d %B %Y") in page
    assert {consent.WORDING_VERSIONS[f] for f in AI_FEATURES} == {PRIVACY_VERSION}
    rights = _section(page, "rights")
    for right in ("Access", "Rectification", "Erasure", "Restriction", "Objection", "Portability"):
        assert right in rights
    assert "one month" in rights and "privacy@jobloggs.example" in rights
    complaints = _section(page, "complaints").replace("&#39;", "'")
    assert "Information Commissioner's Office" in complaints
    assert "Wycliffe House, Water Lane, Wilmslow, Cheshire SK9 5AF" in complaints
    assert "ico.org.uk" in complaints


def test_policy_retention_section_is_the_schedule_the_purge_runs(app: Any) -> None:
    from minimin.privacy.retention import SCHEDULE

    with app.test_request_context():
        expected = [(str(rule.what), str(rule.kept)) for rule in SCHEDULE]
    section = _section(_policy(app), "retention").replace("&#39;", "'")
    for what, kept in expected:
        assert what in section and kept in section
    assert "export them first" in section


def test_every_exported_item_on_the_policy_is_backed_by_an_exported_table(app: Any) -> None:
    from minimin.privacy import export, policy

    with app.app_context():
        exported = set(export.exported_table_names())
        listed = policy.exported_items()
    assert listed
    for item in listed:
        assert exported.intersection(item.tables), f"{item.label} has no table in the export"
    page = _section(_policy(app), "export").replace("&#39;", "'")
    with app.test_request_context():
        shown = [str(i.label) for i in listed]
        hidden = [str(i.label) for i in policy.ITEMS if i not in listed]
    for label in shown:
        assert label in page
    for label in hidden:
        assert label not in page


def test_a_feature_without_tables_is_not_promised(app: Any) -> None:
    """An installation without the signature tables would not promise signatures."""
    from minimin.privacy import export, policy

    with app.app_context():
        tables = set(export.exported_table_names())
    assert "signature_request" in tables
    without = tables - {"signature_request", "signature_signer", "signing_event"}
    with app.test_request_context():
        assert any("Signature" in str(i.label) for i in policy.exported_items(tables))
        assert not any("Signature" in str(i.label) for i in policy.exported_items(without))


def test_earlier_policy_versions_stay_named_and_their_consents_stay_in_force(
    app: Any, client: Any, make_user: Any, login: Any
) -> None:
    from datetime import timedelta

    from minimin.accounts.policies import PRIVACY_HISTORY, PRIVACY_VERSION
    from minimin.core.db import utcnow
    from minimin.extensions import db
    from minimin.privacy import consent
    from minimin.privacy.models import ConsentRecord

    versions = [item.version for item in PRIVACY_HISTORY]
    dates = [item.effective for item in PRIVACY_HISTORY]
    assert versions[0] == PRIVACY_VERSION and len(versions) >= 2
    assert dates == sorted(set(dates), reverse=True)  # newest first, one version a day
    listed = _policy(app)
    listed = listed[listed.index('id="versions"') :]
    for item in PRIVACY_HISTORY:
        assert f"<strong>{item.version}</strong>, effective {item.effective:%-d %B %Y}" in listed

    # A consent given under the earlier version is still the user's choice after the change,
    # with that version on its record; a choice made now records the current one.
    earlier = PRIVACY_HISTORY[1].version
    user = make_user()
    with app.app_context():
        db.session.add(
            ConsentRecord(
                user_id=user.id,
                purpose="ai_documents",
                granted=True,
                wording_version=earlier,
                created_at=utcnow() - timedelta(days=30),
            )
        )
        db.session.commit()
        assert consent.has_consent(user.id, "ai_documents")
        db.session.remove()
    login(client, user)
    assert earlier in client.get("/privacy").get_data(as_text=True)
    assert (
        client.submit("/privacy/consent/ai_pricing/give", form_page="/privacy").status_code == 302
    )
    with app.app_context():
        assert consent.has_consent(user.id, "ai_documents")
        assert [(r.purpose, r.wording_version) for r in consent.history(user.id)] == [
            ("ai_pricing", PRIVACY_VERSION),
            ("ai_documents", earlier),
        ]
        db.session.remove()
