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


def test_policy_names_only_the_processors_the_code_can_call(client: Any) -> None:
    page = client.get("/legal/privacy").get_data(as_text=True)
    for processor in ("Stripe", "Resend", "SendGrid", "Anthropic"):
        assert processor in page
    assert "Google Analytics" in page  # named only to say it is not used
    assert "calendar access tokens" not in page.replace("no calendar access tokens", "")
