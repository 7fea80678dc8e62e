"""Login, signup, password reset and resend-verification answer the same for a known and an
unknown address: the same status, the same body (apart from the CSRF token and the address
itself) and, within 10%, the same time."""

from __future__ import annotations

import time
import uuid

import pytest

from .conftest import STRONG, strip_csrf

ENDPOINTS = ("login", "signup", "reset", "resend")


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
    started = time.perf_counter()
    response = client.post(path, data={**data, "csrf_token": token}, environ_base=environ)
    return response, time.perf_counter() - started


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
def test_same_time_for_known_and_unknown(client, make_user, kind):
    tries = 5
    users = [make_user(verified=kind != "resend") for _ in range(tries)]
    known_times, unknown_times = [], []
    _ask(client, kind, f"warm-{uuid.uuid4().hex[:8]}@example.com")  # first-request costs
    for user in users:
        known_times.append(_ask(client, kind, user.email)[1])
        unknown_times.append(_ask(client, kind, f"no-{uuid.uuid4().hex[:8]}@example.com")[1])
    # The fastest of several tries is the least disturbed by other work on the machine.
    known, unknown = min(known_times), min(unknown_times)
    assert abs(known - unknown) <= 0.10 * max(known, unknown), (known_times, unknown_times)
