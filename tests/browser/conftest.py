"""Browser tests: a real Minimin server driven by Debian's Chromium through Playwright.

The server is the application in testing mode with its own instance folder and SQLite database
(built with ``db.create_all()``), served by werkzeug on 127.0.0.1 in a thread. Pages are opened
as ``http://localhost:PORT`` because WebAuthn refuses IP addresses as relying-party ids and
treats localhost as a secure context; Chromium resolves localhost to 127.0.0.1 only.

With ``CI=true`` a missing Chromium fails the run; elsewhere these tests skip and say why.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("MINIMIN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Only our own server: localhost means 127.0.0.1, where the test server listens.
    "--host-resolver-rules=MAP localhost 127.0.0.1",
]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    grouped = config.pluginmanager.hasplugin("xdist")
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            if grouped:
                # With --dist loadgroup the browser tests share one server and one Chromium.
                item.add_marker(pytest.mark.xdist_group("browser"))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    app: Any
    instance_path: Path

    def path(self, path: str) -> str:
        return self.url + path


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    from werkzeug.serving import make_server

    from minimin.app import create_app

    instance = tmp_path_factory.mktemp("browser-instance")
    port = _free_port()
    base_url = f"http://localhost:{port}"
    previous = os.environ.get("MINIMIN_BASE_URL")
    os.environ["MINIMIN_BASE_URL"] = base_url
    try:
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'minimin.sqlite3'}"},
            mode="testing",
            instance_path=instance,
        )
    finally:
        if previous is None:
            os.environ.pop("MINIMIN_BASE_URL", None)
        else:
            os.environ["MINIMIN_BASE_URL"] = previous
    assert app.config["BASE_URL"] == base_url
    from minimin.extensions import db

    with app.app_context():
        db.create_all()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="minimin-live-server", daemon=True)
    thread.start()
    yield LiveServer(url=base_url, app=app, instance_path=instance)
    server.shutdown()
    thread.join(timeout=10)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def mailbox_path(live_server: LiveServer) -> str:
    """The embedded mailbox's address with its key, as ``minimin serve`` prints it."""
    from minimin.pages.mailbox import KEY_SETTING

    return f"/_mailbox/?key={live_server.app.config[KEY_SETTING]}"


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        message = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if IN_CI:
            pytest.fail(f"{message}; it is required when CI=true", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def context(chromium: Any, live_server: LiveServer) -> Iterator[Any]:
    """A fresh browser profile (no cookies) for one test."""
    ctx = chromium.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: Any) -> Any:
    return context.new_page()


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def _serious_violations(page: Any) -> list[str]:
    """axe-core (shipped inside axe-playwright-python, injected locally) on the current page:
    the serious and critical violations, described."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = [", ".join(node["target"]) for node in violation["nodes"]][:5]
            found.append(
                f"{violation['id']} ({violation['impact']}): {violation['help']} {targets}"
            )
    return found


@pytest.fixture
def axe_problems() -> Any:
    return _serious_violations
