"""Settings, read from ``MINIMIN_*`` environment variables.

Two modes:

* **embedded** (the default, no configuration at all): SQLite in the instance folder, tasks run
  in-process after commit, emails written to ``instance/mail/``, secret and data keys generated
  on first start and kept in the instance folder with mode 0600.
* **production** (``MINIMIN_ENV=production``): every secret and service must be given
  explicitly; :func:`load_settings` refuses to start and names what is missing.

Every variable is documented in README.md ("Configuration").
"""

from __future__ import annotations

import base64
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EMBEDDED = "embedded"
PRODUCTION = "production"
TESTING = "testing"
MODES = (EMBEDDED, PRODUCTION, TESTING)

DEFAULT_MAX_CONTENT_LENGTH = 20 * 1024 * 1024
#: How passwords are hashed: scrypt, N=2**15, r=8, p=1 (about 0.1 s and 32 MB a check).
SCRYPT_METHOD = "scrypt:32768:8:1"
#: The test suite's: the same algorithm with N=2**12, an eighth of the work, because it signs
#: in thousands of times. A stored hash names its parameters, so checks follow suit.
TEST_SCRYPT_METHOD = "scrypt:4096:8:1"


class ConfigurationError(RuntimeError):
    """The configuration cannot run Minimin; the message says what to set."""


@dataclass(frozen=True)
class DataKey:
    """One AES-256-GCM key with the id stored beside every value it encrypts."""

    key_id: str
    key: bytes


def parse_data_keys(raw: str) -> list[DataKey]:
    """Parse ``id:base64key[,id:base64key...]``; the first key encrypts, all decrypt."""
    keys: list[DataKey] = []
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        key_id, sep, encoded = part.partition(":")
        if not sep or not key_id.isalnum():
            raise ConfigurationError(
                "MINIMIN_DATA_KEYS must look like 'k1:<base64 of 32 bytes>[,k0:<...>]'."
            )
        try:
            key = base64.b64decode(encoded, validate=True)
        except ValueError as exc:
            raise ConfigurationError(f"Data key {key_id!r} is not valid base64.") from exc
        if len(key) != 32:
            raise ConfigurationError(f"Data key {key_id!r} must be 32 bytes (AES-256).")
        keys.append(DataKey(key_id, key))
    if len({k.key_id for k in keys}) != len(keys):
        raise ConfigurationError("MINIMIN_DATA_KEYS has the same key id twice.")
    return keys


def new_data_key_spec(key_id: str = "k1") -> str:
    """A fresh ``id:base64key`` string, as ``minimin generate-key`` prints it."""
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(32)).decode()}"


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(f"MINIMIN_{name}")
    return value if value not in (None, "") else default


def _int_env(name: str, default: int) -> int:
    raw = _env(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigurationError(f"MINIMIN_{name} must be a whole number, not {raw!r}.") from exc


def _visibility_timeout() -> int | None:
    seconds = _int_env("BROKER_VISIBILITY_TIMEOUT", 0)
    if seconds < 0:
        raise ConfigurationError("MINIMIN_BROKER_VISIBILITY_TIMEOUT must be a number of seconds.")
    return seconds or None


def _bool_env(name: str, default: bool) -> bool:
    raw = _env(name)
    if raw is None:
        return default
    return raw.strip().lower() in ("1", "true", "yes", "on")


def _read_or_create_secret(path: Path, make: Any) -> str:
    """Read a generated secret from the instance folder, creating it (mode 0600) if absent."""
    if path.exists():
        return path.read_text().strip()
    value: str = make()
    # O_EXCL: two processes starting at once must not both write a different key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(value + "\n")
    return value


@dataclass
class Settings:
    """Everything Minimin reads from its environment, resolved and checked."""

    mode: str
    instance_path: Path
    secret_key: str
    data_keys: list[DataKey]
    hmac_key: str
    database_url: str
    redis_url: str | None
    base_url: str
    mail_backend: str
    mail_from: str
    smtp: dict[str, Any] = field(default_factory=dict)
    resend_api_key: str | None = None
    resend_api_url: str = "https://api.resend.com"
    sendgrid_api_key: str | None = None
    sendgrid_api_url: str = "https://api.sendgrid.com"
    storage_backend: str = "local"
    s3: dict[str, Any] = field(default_factory=dict)
    trusted_proxies: int = 0
    max_content_length: int = DEFAULT_MAX_CONTENT_LENGTH
    anthropic_api_key: str | None = None
    anthropic_base_url: str | None = None
    anthropic_model: str = "claude-sonnet-4-6"
    stripe_api_base: str | None = None
    log_level: str = "INFO"
    #: Seconds after which Redis hands a job held by a vanished worker to another (None: the
    #: default of ``core.tasks``, three hard time limits).
    broker_visibility_timeout: int | None = None
    #: Who is responsible for the personal data (the privacy policy, docs/deployment.md).
    controller_name: str = "Minimin"
    controller_address: str | None = None
    controller_email: str = "support@minimin.app"
    ico_registration: str | None = None
    #: Serve the most visited pages again while nothing they show has changed (core/pagecache).
    keep_pages: bool = True

    @property
    def embedded(self) -> bool:
        return self.mode != PRODUCTION

    def as_flask_config(self) -> dict[str, Any]:
        production = self.mode == PRODUCTION
        return {
            "MINIMIN_MODE": self.mode,
            "MINIMIN_SETTINGS": self,
            "SECRET_KEY": self.secret_key,
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "MAX_CONTENT_LENGTH": self.max_content_length,
            "MAX_FORM_MEMORY_SIZE": min(self.max_content_length, 2 * 1024 * 1024),
            "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
            "WTF_CSRF_SSL_STRICT": production,
            "SESSION_COOKIE_NAME": "__Host-session" if production else "session",
            "SESSION_COOKIE_SECURE": production,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "REMEMBER_COOKIE_NAME": "__Host-remember" if production else "remember",
            "REMEMBER_COOKIE_SECURE": production,
            "REMEMBER_COOKIE_HTTPONLY": True,
            "REMEMBER_COOKIE_SAMESITE": "Lax",
            "PREFERRED_URL_SCHEME": "https" if production else "http",
            "RATELIMIT_STORAGE_URI": self.redis_url if production else "minimin-memory://",
            "RATELIMIT_HEADERS_ENABLED": True,
            # Explicit: Flask-Limiter otherwise keeps the previous application's choice (its
            # extension object is shared), so one app with limits off would switch them off
            # for every app created after it in the same process.
            "RATELIMIT_ENABLED": True,
            "BABEL_DEFAULT_LOCALE": "en_GB",
            "BABEL_DEFAULT_TIMEZONE": "Europe/London",
            "BASE_URL": self.base_url,
            "MINIMIN_PASSWORD_HASH": TEST_SCRYPT_METHOD if self.mode == TESTING else SCRYPT_METHOD,
            "MINIMIN_KEEP_PAGES": self.keep_pages,
        }


def engine_options(url: str) -> dict[str, Any]:
    if url.startswith("sqlite"):
        # WAL and busy timeout are set per connection in core.db.
        return {"connect_args": {"timeout": 15}}
    return {"pool_pre_ping": True, "pool_size": 5, "max_overflow": 5, "pool_recycle": 1800}


def load_settings(
    mode: str | None = None, instance_path: str | os.PathLike[str] | None = None
) -> Settings:
    """Resolve the settings for *mode* (default ``MINIMIN_ENV`` or embedded)."""
    mode = mode or _env("ENV", EMBEDDED) or EMBEDDED
    if mode not in MODES:
        raise ConfigurationError(f"MINIMIN_ENV must be one of {', '.join(MODES)}, not {mode!r}.")
    inst = Path(instance_path or _env("INSTANCE_PATH") or Path.cwd() / "instance").resolve()
    if mode == PRODUCTION:
        return _production_settings(inst)
    return _embedded_settings(mode, inst)


def _common(mode: str, inst: Path) -> dict[str, Any]:
    return {
        "mode": mode,
        "instance_path": inst,
        "redis_url": _env("REDIS_URL"),
        "base_url": (_env("BASE_URL", "http://127.0.0.1:5000") or "").rstrip("/"),
        "mail_backend": _env("MAIL_BACKEND", "file" if mode != PRODUCTION else "smtp") or "file",
        "mail_from": _env("MAIL_FROM", "Minimin <no-reply@minimin.app>") or "",
        "smtp": {
            "host": _env("SMTP_HOST", "127.0.0.1"),
            "port": _int_env("SMTP_PORT", 25),
            "username": _env("SMTP_USERNAME"),
            "password": _env("SMTP_PASSWORD"),
            "starttls": _bool_env("SMTP_STARTTLS", False),
            "ssl": _bool_env("SMTP_SSL", False),
            "timeout": _int_env("SMTP_TIMEOUT", 10),
        },
        "resend_api_key": _env("RESEND_API_KEY"),
        "resend_api_url": _env("RESEND_API_URL", "https://api.resend.com") or "",
        "sendgrid_api_key": _env("SENDGRID_API_KEY"),
        "sendgrid_api_url": _env("SENDGRID_API_URL", "https://api.sendgrid.com") or "",
        "storage_backend": _env("STORAGE", "local") or "local",
        "s3": {
            "bucket": _env("S3_BUCKET"),
            "endpoint_url": _env("S3_ENDPOINT_URL"),
            "region": _env("S3_REGION", "eu-west-2"),
            "access_key_id": _env("S3_ACCESS_KEY_ID"),
            "secret_access_key": _env("S3_SECRET_ACCESS_KEY"),
        },
        "trusted_proxies": _int_env("TRUSTED_PROXIES", 0),
        "max_content_length": _int_env("MAX_CONTENT_LENGTH", DEFAULT_MAX_CONTENT_LENGTH),
        "anthropic_api_key": _env("ANTHROPIC_API_KEY"),
        "anthropic_base_url": _env("ANTHROPIC_BASE_URL"),
        "anthropic_model": _env("ANTHROPIC_MODEL", "claude-sonnet-4-6") or "claude-sonnet-4-6",
        "stripe_api_base": _env("STRIPE_API_BASE"),
        "log_level": _env("LOG_LEVEL", "INFO") or "INFO",
        "broker_visibility_timeout": _visibility_timeout(),
        "controller_name": _env("CONTROLLER_NAME", "Minimin") or "Minimin",
        "controller_address": _env("CONTROLLER_ADDRESS"),
        "controller_email": _env("CONTROLLER_EMAIL", "support@minimin.app") or "",
        "ico_registration": _env("ICO_REGISTRATION"),
        "keep_pages": _bool_env("KEEP_PAGES", True),
    }


def _embedded_settings(mode: str, inst: Path) -> Settings:
    inst.mkdir(parents=True, exist_ok=True, mode=0o700)
    secret_key = _env("SECRET_KEY") or _read_or_create_secret(
        inst / "secret_key", lambda: secrets.token_urlsafe(48)
    )
    data_keys_raw = _env("DATA_KEYS") or _read_or_create_secret(
        inst / "data_keys", new_data_key_spec
    )
    hmac_key = _env("HMAC_KEY") or _read_or_create_secret(
        inst / "hmac_key", lambda: secrets.token_urlsafe(48)
    )
    database_url = _env("DATABASE_URL") or f"sqlite:///{inst / 'minimin.sqlite3'}"
    return Settings(
        secret_key=secret_key,
        data_keys=parse_data_keys(data_keys_raw),
        hmac_key=hmac_key,
        database_url=database_url,
        **_common(mode, inst),
    )


def _production_settings(inst: Path) -> Settings:
    missing = [
        f"MINIMIN_{name}"
        for name in ("SECRET_KEY", "DATA_KEYS", "HMAC_KEY", "DATABASE_URL", "REDIS_URL", "BASE_URL")
        if not _env(name)
    ]
    if missing:
        raise ConfigurationError(
            "Production mode needs these settings, which are missing: " + ", ".join(missing) + "."
        )
    database_url = _env("DATABASE_URL") or ""
    if not database_url.startswith(("postgresql", "postgres")):
        raise ConfigurationError("MINIMIN_DATABASE_URL must be a PostgreSQL URL in production.")
    if database_url.startswith(("postgres://", "postgresql://")):
        # SQLAlchemy needs the driver named; psycopg 3 is the one installed.
        database_url = "postgresql+psycopg://" + database_url.split("://", 1)[1]
    secret_key = _env("SECRET_KEY") or ""
    if len(secret_key) < 32:
        raise ConfigurationError("MINIMIN_SECRET_KEY must be at least 32 characters.")
    common = _common(PRODUCTION, inst)
    _check_mail_backend(common)
    return Settings(
        secret_key=secret_key,
        data_keys=parse_data_keys(_env("DATA_KEYS") or ""),
        hmac_key=_env("HMAC_KEY") or "",
        database_url=database_url,
        **common,
    )


def _check_mail_backend(common: dict[str, Any]) -> None:
    """A production mail backend must be fully configured before the first email is queued."""
    backend = common["mail_backend"]
    needs = {
        "smtp": ("SMTP_HOST", common["smtp"]["host"]),
        "resend": ("RESEND_API_KEY", common["resend_api_key"]),
        "sendgrid": ("SENDGRID_API_KEY", common["sendgrid_api_key"]),
    }
    if backend == "file":
        raise ConfigurationError("MINIMIN_MAIL_BACKEND=file is for embedded mode only.")
    if backend not in needs:
        raise ConfigurationError(
            f"MINIMIN_MAIL_BACKEND must be smtp, resend or sendgrid, not {backend!r}."
        )
    name, value = needs[backend]
    if not value:
        raise ConfigurationError(f"MINIMIN_MAIL_BACKEND={backend} needs MINIMIN_{name}.")
