"""The gunicorn entry point."""

import json
import os
import subprocess
import sys
from pathlib import Path

PROBE = """
import gc, json
import minimin.wsgi as wsgi
print(json.dumps({"app": type(wsgi.app).__name__, "frozen": gc.get_freeze_count()}))
"""


def test_the_loaded_application_is_kept_out_of_garbage_collection(tmp_path: Path) -> None:
    # A full collection that walks every object of the loaded application pauses a request
    # for a quarter of a second; the entry point freezes them once the application is built.
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINIMIN_")}
    env.update(MINIMIN_ENV="embedded", MINIMIN_INSTANCE_PATH=str(tmp_path))
    probe = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
    )
    result = json.loads(probe.stdout.strip().splitlines()[-1])
    assert result["app"] == "Flask"
    assert result["frozen"] > 50_000
