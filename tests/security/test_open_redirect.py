"""``next`` redirects go only to this site's own paths (docs/security.md, "Authentication")."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from minimin.core.security import safe_next

HOSTILE = [
    "//evil.com",
    "///evil.com",
    "////evil.com/x",
    "/\\evil.com",
    "\\\\evil.com",
    "/\\/evil.com",
    "https://evil.com",
    "http://evil.com/invoices",
    "https:evil.com",
    "https:/evil.com",
    "HTTPS://EVIL.COM",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    " /invoices",
    " //evil.com",
    "\t//evil.com",
    "\n/invoices",
    "%2F%2Fevil.com",
    "%2f%2fevil.com",
    "/%2F/evil.com",
    "/%5Cevil.com",
    "/%5cevil.com",
    "%5C%5Cevil.com",
    "/\t/evil.com",
    "/\r\n/evil.com",
    "/invoices\r\nSet-Cookie: x=1",
    "/invoices%0d%0aSet-Cookie:%20x=1",
    "/\x00/evil.com",
    "/%00/evil.com",
    "/\u3000/evil.com",
    "/\u2028/evil.com",
    "evil.com",
    "invoices",
    "@evil.com",
    "/" + "a" * 2001,
    "",
    None,
]

SAFE = [
    "/",
    "/invoices",
    "/invoices?x=1",
    "/invoices?status=paid&page=2",
    "/clients/6f1c2a4e-2b1d-4c3a-9b7e-0d8f5e6a7b8c/edit",
    "/reports#tax-year",
    "/search?q=caf%C3%A9",
    "/search?q=a+b",
]


@pytest.mark.parametrize("target", HOSTILE, ids=repr)
def test_hostile_targets_go_home(target: str | None) -> None:
    assert safe_next(target) == "/"


@pytest.mark.parametrize("target", HOSTILE[:10], ids=repr)
def test_hostile_targets_use_the_given_default(target: str) -> None:
    assert safe_next(target, default="/account") == "/account"


@pytest.mark.parametrize("target", SAFE)
def test_own_paths_are_kept(target: str) -> None:
    assert safe_next(target) == target


@pytest.mark.parametrize(
    "target", ["//evil.com", "/\\evil.com", "https:evil.com", "%2F%2Fevil.com"]
)
def test_preferences_form_never_redirects_off_site(client, target: str) -> None:
    response = client.submit("/preferences", {"theme": "dark", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["//evil.com", "/\\evil.com", "javascript:alert(1)"])
def test_login_never_redirects_off_site(client, make_user, target: str) -> None:
    user = make_user()
    response = client.submit(
        f"/login?next={target}",
        {"email": user.email, "password": user.plain_password, "next": target},
        form_page="/login",
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    parts = urlsplit(location)
    assert parts.netloc in ("", "localhost")
    assert location.startswith("/") and not location.startswith("//") and "\\" not in location
    assert "evil" not in location and "javascript" not in location
