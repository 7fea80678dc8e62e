"""The WSGI entry point for gunicorn:
``gunicorn -c python:minimin.gunicorn_conf 'minimin.wsgi:app'`` (docs/deployment.md)."""

import gc

from minimin.app import create_app

app = create_app()

# Everything created while loading the application (modules, models, routes, catalogues:
# about 220,000 objects) lives as long as the process. Left to the collector, each full
# collection walks them all, a pause of a quarter of a second on a busy two-core machine that
# lands on whichever request happens to trigger it; frozen, they are never scanned again and a
# full collection walks only what requests have since left behind.
gc.freeze()
