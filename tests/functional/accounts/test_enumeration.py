"""Login, signup, password reset and resend-verification answer the same for a known and an
unknown address: the same status, the same body (apart from the CSRF token and the address
itself), and neither answer leaves before the page's floor (the wait that hides the work only a
known address causes, such as queueing an email or counting a failed sign-in)."""

from __future__ import annotations

import time
import uuid

import pytest

from minimin.accounts.views import EMAIL_ANSWER_SECONDS, FAILED_LOGIN_SECONDS, SIGNUP_SECONDS

from .conftest import STRONG, strip_csrf

ENDPOINTS = ("login", "signup", "reset", "resend")
#: The least time each page's answer takes, whoever the address belongs to.
FLOOR = {
    "login": FAILED_LOGIN_SECONDS,
    "signup": SIGNUP_SECONDS,
    "reset": EMAIL_ANSWER_SECONDS,
    "resend": EMAIL_ANSWER_SECONDS,
}


@pytest.fixture
def app_config():
    """The answer delay is what this module measures: keep it at its real length."""
    return {"MINIMIN_ANSWER_DELAY_SCALE": 1.0}


def _data(kind, email):
    if kind == "login":
        return "/login", {"email": email, "password": "a wrong password here"}
    if kind == "signup":
        return "/signup", {
            "full_name": "Sam Example",
            "email": email,
            "password": STRONG,
            "adult": "y",
            "accept_terms": "y",
        }
    if kind == "reset":
        return "/reset-password", {"email": email}
    return "/verify-email", {"email": email}


def _ask(client, kind, email):
    path, data = _data(kind, email)
    # A fresh client address each time: this test is about answers, not about the IP limits.
    environ = {"REMOTE_ADDR": f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.9"}
    token = client.csrf_token(path)
    # The clock the floor is kept on: the answer is held until monotonic time reaches it.
    started = time.monotonic()
    response = client.post(path, data={**data, "csrf_token": token}, environ_base=environ)
    return response, time.monotonic() - started


def _normalise(response, email):
    return strip_csrf(response.get_data(as_text=True)).replace(email, "EMAIL")


@pytest.mark.parametrize("kind", ENDPOINTS)
def test_same_status_and_body_for_known_and_unknown(client, make_user, kind):
    known = make_user(verified=kind != "resend")
    unknown = f"nobody-{uuid.uuid4().hex[:8]}@example.com"
    known_response, _ = _ask(client, kind, known.email)
    unknown_response, _ = _ask(client, kind, unknown)
    assert known_response.status_code == unknown_response.status_code
    assert known_response.headers.get("Location") == unknown_response.headers.get("Location")
    assert _normalise(known_response, known.email) == _normalise(unknown_response, unknown)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ENDPOINTS)
def test_known_and_unknown_both_wait_for_the_floor(client, make_user, kind):
    # A lower bound the code guarantees on any machine: the answer is held until the floor has
    # passed since the request began. (How closely the two times agree depends on the differing
    # work fitting inside the floor, which a busy machine can upset; it is not asserted here.)
    known = make_user(verified=kind != "resend")
    unknown = f"no-{uuid.uuid4().hex[:8]}@example.com"
    known_response, known_seconds = _ask(client, kind, known.email)
    unknown_response, unknown_seconds = _ask(client, kind, unknown)
    assert known_response.status_code == unknown_response.status_code
    assert known_seconds >= FLOOR[kind], known_seconds
    assert unknown_seconds >= FLOOR[kind], unknown_seconds
