"""The ``minimin`` command: serve, worker, db (Alembic through Flask-Migrate) and maintenance."""

from __future__ import annotations

import gc
import os
import sys
import threading

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext
from werkzeug.serving import run_simple

from minimin.config import ConfigurationError, new_data_key_spec


def _create_app() -> Flask:
    from minimin.app import create_app

    try:
        return create_app()
    except ConfigurationError as exc:
        click.echo(f"Minimin cannot start: {exc}", err=True)
        sys.exit(2)


@click.group(
    cls=FlaskGroup, create_app=_create_app, add_default_commands=True, add_version_option=False
)
def main() -> None:
    """Minimin: bookkeeping for UK sole traders."""
    # The database, keys, uploads and mailbox hold private data: nobody else on the machine
    # may read what Minimin creates.
    os.umask(0o077)


@main.command("generate-key")
@click.option("--key-id", default="k1", show_default=True, help="Key id (letters and digits).")
def generate_key(key_id: str) -> None:
    """Print a new data key for MINIMIN_DATA_KEYS."""
    click.echo(new_data_key_spec(key_id))


def register_commands(app: Flask) -> None:
    app.cli.add_command(serve)
    app.cli.add_command(worker)
    from minimin.core.backup import backup_command, restore_command
    from minimin.core.rotation import rotate_keys_command

    app.cli.add_command(rotate_keys_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def serve(host: str, port: int) -> None:
    """Run Minimin (embedded mode: development server with in-process jobs)."""
    from flask import current_app

    from minimin.core.tasks import start_embedded_scheduler

    # current_app is typed as the app; at run time it is a proxy.
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config["MINIMIN_MODE"] == "production":
        click.echo(
            "In production run gunicorn: "
            "gunicorn -c python:minimin.gunicorn_conf 'minimin.wsgi:app'",
            err=True,
        )
        sys.exit(2)
    prepare_embedded(app, host, port)
    gc.freeze()  # the loaded application, out of every later full collection (see wsgi.py)
    stop = threading.Event()
    start_embedded_scheduler(app, stop)
    click.echo(f"Minimin is running at http://{host}:{port}/ (embedded mode; Ctrl+C stops it)")
    from minimin.pages.mailbox import mailbox_url

    click.echo(f"Emails are kept in {app.instance_path}/mail; read them from this machine at")
    click.echo(f"Mailbox: {mailbox_url(app, embedded_base_url(host, port))}")
    try:
        run_simple(host, port, app, use_reloader=False, use_debugger=False, threaded=True)
    finally:
        stop.set()


def embedded_base_url(host: str, port: int) -> str:
    """The address links in emails point at: where ``serve`` listens. A wildcard host listens
    everywhere but is no address to visit, so links name this machine's loopback address."""
    if host in ("", "0.0.0.0", "::"):  # noqa: S104 - recognising the wildcard, not binding it
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address in a URL
    return f"http://{host}:{port}"


def prepare_embedded(app: Flask, host: str, port: int) -> None:
    """Bring the database to the newest migration and point email links at this server.

    Without it a fresh instance folder served pages on a database with no tables (every form
    answered 503) and links in emails named port 5000 whatever ``--port`` said. A base URL set
    in ``MINIMIN_BASE_URL`` (a proxy, a real host name) is kept as given."""
    from flask_migrate import upgrade

    from minimin.extensions import db
    from minimin.pages.schema import schema_is_current

    if not os.environ.get("MINIMIN_BASE_URL"):
        app.config["BASE_URL"] = embedded_base_url(host, port)
    with app.app_context():
        if schema_is_current(app, db.session):
            return
        click.echo("Bringing the database up to date (minimin db upgrade)...")
        try:
            upgrade(directory=app.extensions["migrate"].directory)
        except Exception as exc:  # any failure: refuse to serve a half-built schema
            click.echo(
                f"Minimin cannot start: the database upgrade failed ({exc}). "
                "Run `minimin db upgrade` to see why.",
                err=True,
            )
            sys.exit(2)
        finally:
            db.session.remove()


@click.command("worker", context_settings={"ignore_unknown_options": True})
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
@with_appcontext
def worker(celery_args: tuple[str, ...]) -> None:
    """Run the Celery worker (with its beat scheduler) against MINIMIN_REDIS_URL."""
    from minimin.extensions import celery

    args = [
        "worker",
        "--beat",
        "--loglevel",
        os.environ.get("MINIMIN_LOG_LEVEL", "INFO"),
        "--concurrency",
        os.environ.get("MINIMIN_WORKER_CONCURRENCY", "2"),
        "--schedule",
        os.path.join(
            celery.conf.get("beat_schedule_dir", "/tmp"),  # noqa: S108
            "minimin-beat-schedule",
        ),
        *celery_args,
    ]
    gc.freeze()  # before the pool forks: see wsgi.py
    celery.worker_main(args)
