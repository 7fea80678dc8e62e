"""A person's first day, in Chromium: sign up, confirm the email from the embedded mailbox, sign
in, add a passkey (Chromium's virtual authenticator, over the DevTools protocol), sign out, sign
in with the passkey alone, sign out."""

from __future__ import annotations

import re
import uuid
from typing import Any

PASSWORD = "plum orchard lantern 42 quietly"


def add_virtual_authenticator(context: Any, page: Any) -> tuple[Any, str]:
    """A platform authenticator that holds discoverable credentials and verifies its user."""
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    result = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, result["authenticatorId"]


def sign_out(page: Any) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    assert page.get_by_role("link", name="Sign in", exact=True).first.is_visible()
    # Signed out for real: the account page now asks to sign in.
    page.goto("/account")
    assert "/login" in page.url


def test_sign_up_verify_add_a_passkey_and_sign_in_with_it(
    context: Any,
    page: Any,
    live_server: Any,
    axe_problems: Any,
    screenshots: Any,
    mailbox_path: str,
) -> None:
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    email = f"journey-{uuid.uuid4().hex[:8]}@example.com"

    # Sign up.
    page.goto("/signup")
    page.get_by_label("Full name").fill("Jo Journey")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("I am 18 or over").check()
    page.get_by_label("I accept the terms of service and the privacy policy").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Create account").click()
    assert page.get_by_role("heading", name="Check your email").is_visible()

    # Signing in before confirming the address does not work.
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    assert page.locator(".error-summary").is_visible()
    problems.clear()  # the refused sign-in answered 400, which Chromium logs as an error

    # Read the verification email in the embedded mailbox and follow its link.
    page.goto(mailbox_path)
    row = page.locator("tr", has_text=email).filter(has_text="Confirm your email address")
    with page.expect_navigation():
        row.first.get_by_role("link").click()
    link = page.locator(".email-body a", has_text="/verify-email/").first
    href = link.get_attribute("href")
    assert href is not None and href.startswith(live_server.url + "/verify-email/")
    with page.expect_navigation():
        link.click()
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm my email address").click()
    assert "/login" in page.url
    assert page.get_by_text("your email address is verified").is_visible()

    # Sign in with the password.
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in", exact=True).click()
    assert page.get_by_role("button", name="Sign out").is_visible()

    # The account page shows the passkey section; add a passkey from there.
    page.goto("/account")
    section = page.locator("section", has=page.get_by_role("heading", name="Passkeys"))
    assert section.get_by_text("You have not added one").is_visible()
    with page.expect_navigation():
        section.get_by_role("link", name="Manage passkeys").click()
    assert page.url.endswith("/account/passkeys")
    assert axe_problems(page) == []

    cdp, authenticator_id = add_virtual_authenticator(context, page)
    page.get_by_label("Name for this passkey").fill("Test laptop")
    with page.expect_navigation(url=re.compile(r"/account/passkeys$")):
        page.get_by_role("button", name="Add a passkey").click()
    assert page.get_by_text("Passkey “Test laptop” added.").is_visible()
    row = page.locator("tbody tr", has_text="Test laptop")
    assert row.count() == 1
    assert row.get_by_text("Never").is_visible()
    assert axe_problems(page) == []
    # The passkey page on a 375 px phone: nothing scrolls sideways.
    page.set_viewport_size({"width": 375, "height": 812})
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 375
    screenshots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(screenshots / "phone-passkeys.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    stored = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})
    assert len(stored["credentials"]) == 1
    assert stored["credentials"][0]["isResidentCredential"] is True
    assert stored["credentials"][0]["rpId"] == "localhost"

    sign_out(page)

    # Sign in with the passkey alone: no email address, no password.
    page.goto("/login")
    with page.expect_navigation():
        page.get_by_role("link", name="Sign in with a passkey").click()
    assert page.url.startswith(live_server.url + "/login/passkey")
    page.get_by_role("button", name="Sign in with a passkey").click()
    # Signed in, the browser goes home (which may send a new user on to set up a business).
    page.wait_for_url(lambda url: "/login" not in url)
    assert page.get_by_role("button", name="Sign out").is_visible()
    page.goto("/account/passkeys")
    row = page.locator("tbody tr", has_text="Test laptop")
    assert row.get_by_text("Never").count() == 0  # "last used" is now filled in
    stored = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})
    assert stored["credentials"][0]["signCount"] >= 1

    sign_out(page)
    assert problems == []


def test_passkey_after_password(context: Any, page: Any, live_server: Any) -> None:
    """A person who turned on "passkey after password" signs in with both."""
    from minimin.accounts.models import User
    from minimin.accounts.services import email_key, hash_password
    from minimin.core.db import utcnow
    from minimin.extensions import db

    email = f"twofactor-{uuid.uuid4().hex[:8]}@example.com"
    with live_server.app.app_context():
        db.session.add(
            User(
                email=email,
                email_key=email_key(email),
                full_name="Tam Two",
                password_hash=hash_password(PASSWORD),
                email_verified_at=utcnow(),
            )
        )
        db.session.commit()

    def password_step() -> None:
        page.goto("/login")
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        with page.expect_navigation():
            page.get_by_role("button", name="Sign in", exact=True).click()

    password_step()
    page.goto("/account/passkeys")
    add_virtual_authenticator(context, page)
    page.get_by_label("Name for this passkey").fill("Phone")
    with page.expect_navigation(url=re.compile(r"/account/passkeys$")):
        page.get_by_role("button", name="Add a passkey").click()
    page.get_by_label("Ask for a passkey after my password").check()
    page.locator("form", has=page.get_by_label("Ask for a passkey after my password")).get_by_label(
        "Your password"
    ).fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Save sign-in setting").click()
    assert page.get_by_text("asks for a passkey after your password").first.is_visible()
    sign_out(page)

    password_step()
    assert page.url.endswith("/login/passkey/second-factor")
    page.goto("/account")
    assert "/login" in page.url  # the password alone did not sign in
    page.goto("/login/passkey/second-factor")
    page.get_by_role("button", name="Use my passkey").click()
    page.wait_for_url(lambda url: "/login" not in url)
    assert page.get_by_role("button", name="Sign out").is_visible()
    sign_out(page)
