"""gunicorn's settings for Minimin: ``gunicorn -c python:minimin.gunicorn_conf 'minimin.wsgi:app'``.

The application is loaded once, in the master, and the workers are forked from it
(``preload_app``): they share its modules, templates and catalogues (about 59 MiB less memory
per worker) and start serving without compiling them again. Loading opens no database or Redis
connection, but should a start-up step ever open one, a forked worker must not use the
master's: ``post_fork`` drops the inherited pool without closing what the master holds (the
pattern SQLAlchemy documents for forking), and each worker opens its own on first use.

Everything else (bind address, number of workers, timeouts) is given on the command line.
"""

from __future__ import annotations

from typing import Any

preload_app = True


def post_fork(server: Any, worker: Any) -> None:
    from minimin.extensions import db
    from minimin.wsgi import app

    with app.app_context():
        db.engine.dispose(close=False)
