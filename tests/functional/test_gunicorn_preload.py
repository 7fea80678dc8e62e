"""The production web command, ``gunicorn -c python:minimin.gunicorn_conf 'minimin.wsgi:app'``:
the application is loaded once in the master and the forked workers each serve pages and reach
the database through a connection of their own."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from minimin import gunicorn_conf
from minimin.app import create_app
from minimin.cli import prepare_embedded

GUNICORN = Path(sys.executable).with_name("gunicorn")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return answer.status, answer.read().decode()


def _wait_ready(url: str, server: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, "gunicorn stopped while starting"
        try:
            if _get(url)[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail("gunicorn did not answer in time")


def test_the_workers_forked_from_a_preloaded_master_serve_and_use_their_own_connections(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert gunicorn_conf.preload_app is True
    instance = tmp_path / "instance"
    for name in [n for n in os.environ if n.startswith("MINIMIN_")]:
        monkeypatch.delenv(name)
    prepare_embedded(create_app(mode="embedded", instance_path=instance), "127.0.0.1", 5000)
    port = _free_port()
    env = {**os.environ, "MINIMIN_ENV": "embedded", "MINIMIN_INSTANCE_PATH": str(instance)}
    command = [
        str(GUNICORN), "-c", "python:minimin.gunicorn_conf", "--workers", "2",
        "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "minimin.wsgi:app",
    ]  # fmt: skip
    server = subprocess.Popen(command, env=env, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(f"{base}/healthz", server)
        # Enough requests for both workers to answer: each checks the database itself.
        for _ in range(20):
            status, body = _get(f"{base}/healthz")
            assert status == 200 and '"database":"ok"' in body.replace(" ", "")
            status, body = _get(f"{base}/login")
            assert status == 200 and 'name="password"' in body
        workers = subprocess.run(
            ["pgrep", "-P", str(server.pid)],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.split()
        assert len(workers) == 2
    finally:
        server.send_signal(signal.SIGTERM)
        _, errors = server.communicate(timeout=30)
    assert b"Traceback" not in errors, errors.decode()
