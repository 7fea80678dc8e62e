"""Two web processes (standing in for two gunicorn workers) share the sign-in limits through
Redis: failures counted by one process lock the account in the other."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

WORKER = """
import json, sys
from minimin.app import create_app
from tests.conftest import Client
config, instance, email, tries = json.loads(sys.argv[1])
app = create_app(config, mode="testing", instance_path=instance)
app.test_client_class = Client
client = app.test_client()
codes = [client.submit("/login", {"email": email, "password": "not the password"}).status_code
         for _ in range(tries)]
print(json.dumps(codes))
"""


@pytest.fixture
def app_config(redis_url):
    # Its own key prefix in Redis: the fixtures' limiter.reset() in a parallel test deletes
    # only the keys under that test's prefix.
    return {
        "RATELIMIT_STORAGE_URI": redis_url,
        "RATELIMIT_STORAGE_OPTIONS": {"key_prefix": f"minimin-test-{uuid.uuid4().hex}"},
    }


def _other_worker(app, app_config, email, tries):
    config = {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], **app_config}
    result = subprocess.run(
        [sys.executable, "-c", WORKER, json.dumps([config, app.instance_path, email, tries])],
        cwd=ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_two_workers_share_the_failure_count(app, client, make_user, app_config):
    user = make_user()
    assert _other_worker(app, app_config, user.email, 6) == [400] * 6
    for _ in range(4):
        response = client.submit("/login", {"email": user.email, "password": "not it either"})
        assert response.status_code == 400
    response = client.submit("/login", {"email": user.email, "password": user.plain_password})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    # And the other worker now refuses as well.
    assert _other_worker(app, app_config, user.email, 1) == [429]
