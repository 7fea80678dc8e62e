"""The Flask extensions, created once and bound to the app in ``create_app``."""

from __future__ import annotations

from celery import Celery
from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from minimin.core import memory_limits  # noqa: F401 - registers the minimin-memory:// storage
from minimin.core.db import Base


def _client_ip() -> str:
    # ProxyFix (configured with MINIMIN_TRUSTED_PROXIES) has already replaced remote_addr with
    # the client's address when, and only when, the request came through a trusted proxy.
    return request.remote_addr or "unknown"


db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=_client_ip, default_limits=[], headers_enabled=True)
babel = Babel()
celery = Celery("minimin")
