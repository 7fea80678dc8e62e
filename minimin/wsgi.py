"""The WSGI entry point for gunicorn: ``gunicorn 'minimin.wsgi:app'``."""

from minimin.app import create_app

app = create_app()
