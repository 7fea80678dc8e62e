"""Password rules and user-agent descriptions (no database needed)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_babel import Babel

from minimin.accounts.passwords import (
    PASSWORD_MAX,
    ZXCVBN_PREFIX,
    common_passwords,
    password_problem,
)
from minimin.accounts.useragent import describe


@pytest.fixture(autouse=True)
def babel_context():
    app = Flask(__name__)
    Babel(app)
    with app.test_request_context():
        yield


def test_common_password_list_is_shipped_and_large():
    common = common_passwords()
    assert len(common) > 5000
    assert {"password", "123456", "qwerty", "1qaz2wsx3edc"} <= common


@pytest.mark.parametrize(
    ("password", "inputs", "fragment"),
    [
        ("short", [], "at least 12"),
        ("x" * (PASSWORD_MAX + 1), [], "at most"),
        ("QWERTY123456", [], "most common"),
        ("aaaaaaaaaaaaaaaa", [], "too easy"),
        ("jennifersmith1", ["Jennifer Smith", "jennifer.smith@example.com"], "too easy"),
    ],
)
def test_weak_passwords_are_refused(password, inputs, fragment):
    problem = password_problem(password, inputs)
    assert problem is not None and fragment in problem


@pytest.mark.parametrize(
    "password",
    [
        "plum orbit kettle ninety river",
        "saffron ladder quietly 1848 gulls",
        "ü" * 3 + "n7%Kq!zzPw2r",
    ],
)
def test_strong_passwords_are_accepted(password):
    assert password_problem(password, ["Ann Example"]) is None


def test_only_the_start_of_a_long_password_is_scored():
    # zxcvbn's matching is super-linear in the length (and it refuses more than 72 characters
    # with ValueError): the strength check sees only the first ZXCVBN_PREFIX characters, so its
    # work does not grow with the password.
    assert password_problem("correct horse " * 73, []) is None  # 1,022 characters
    phrase = "plum orbit kettle ninety river saffron ladder quietly 1848 gulls "
    strong_start = (phrase * 20)[:PASSWORD_MAX]
    weak_start = ("a" * ZXCVBN_PREFIX + phrase * 20)[:PASSWORD_MAX]
    # A weak start is not rescued by a strong tail: the tail was never scored.
    problem = password_problem(weak_start, [])
    assert problem is not None and "too easy" in problem
    assert password_problem(strong_start, []) is None


@pytest.mark.parametrize(
    ("ua", "browser", "system", "device"),
    [
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.87",
            "Edge 126",
            "Windows",
            "Computer",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "Safari 17",
            "iOS",
            "Phone",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
            "Firefox 128",
            "Linux",
            "Computer",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Safari/537.36",
            "Chrome 126",
            "Android",
            "Tablet",
        ),
        ("", "Unknown browser", "Unknown system", "Unknown device"),
        ("<script>", "Unknown browser", "Unknown system", "Computer"),
    ],
)
def test_user_agents_are_described(ua, browser, system, device):
    agent = describe(ua)
    assert (agent.browser, agent.system, agent.device) == (browser, system, device)
