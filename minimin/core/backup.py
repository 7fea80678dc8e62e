"""``minimin backup <dir>`` and ``minimin restore <dir>``: the database, the stored files and a
manifest of their SHA-256 (docs/deployment.md, "Backup and restore").

* **SQLite**: SQLite's online backup API copies a consistent snapshot while Minimin runs (a
  plain file copy could catch a write half-done, and would miss what is still in the WAL).
* **PostgreSQL**: ``pg_dump --format=custom`` (one consistent snapshot; ``pg_restore`` reads it).
  The password goes to the child in ``PGPASSWORD``, never on its command line.
* **Files**: the local storage folder is copied file by file (its temporary folder left out).
  Files in S3 are not copied: the bucket is backed up by its own versioning or replication.
* **Keys**: in embedded mode the generated keys live in the instance folder
  (``secret_key``, ``data_keys``, ``hmac_key``) and are copied too, since without the data keys
  the encrypted fields cannot be read; in production they come from the environment and must
  be kept apart from the backups.
* ``manifest.json`` lists every file of the backup with its size and SHA-256; ``restore`` checks
  them all before it changes anything.

Restore writes into the configured database (PostgreSQL: ``pg_restore --clean --if-exists``;
SQLite: the online backup API in reverse) and storage folder. It is meant for a fresh or
stopped instance: run it with the web and worker processes stopped.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from minimin.core.db import utcnow
from minimin.core.storage import LocalStorage, Storage

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
FILES_DIR = "files"
KEYS_DIR = "keys"
KEY_FILES = ("secret_key", "data_keys", "hmac_key")
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot be made; the message says why."""


@dataclass
class Manifest:
    database: str  # "sqlite" or "postgresql"
    files: dict[str, dict[str, Any]] = field(default_factory=dict)  # path -> size, sha256
    created_at: str = ""
    storage: str = "local"

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "created_at": self.created_at,
            "database": self.database,
            "storage": self.storage,
            "files": self.files,
        }


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _kind(url: sa.engine.URL) -> str:
    if url.get_backend_name() == "sqlite":
        return "sqlite"
    if url.get_backend_name() == "postgresql":
        return "postgresql"
    raise BackupError(f"Backups support SQLite and PostgreSQL, not {url.get_backend_name()}.")


def _pg_env(url: sa.engine.URL) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            k: str(v)
            for k, v in {
                "PGHOST": url.host,
                "PGPORT": url.port,
                "PGUSER": url.username,
                "PGPASSWORD": url.password,
                "PGDATABASE": url.database,
            }.items()
            if v is not None
        }
    )
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-800:]}")


# --------------------------------------------------------------------------------- backup


def backup(target: Path, *, engine: sa.Engine, files: Storage, instance_path: Path) -> Manifest:
    """Write a backup of the database, the stored files and the instance keys into *target*
    (which must not exist, or be empty)."""
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty: choose a new folder for the backup.")
    target.mkdir(parents=True, exist_ok=True, mode=0o700)
    manifest = Manifest(database=_kind(engine.url), created_at=utcnow().isoformat())
    if manifest.database == "sqlite":
        _backup_sqlite(engine, target / SQLITE_FILE)
    else:
        _run(
            ["pg_dump", "--format=custom", "--no-owner", f"--file={target / PG_FILE}"],
            _pg_env(engine.url),
        )
    if isinstance(files, LocalStorage):
        _copy_tree(files.root, target / FILES_DIR, skip={files.tmp})
    else:
        manifest.storage = "s3"
    for name in KEY_FILES:
        source = Path(instance_path) / name
        if source.is_file():
            (target / KEYS_DIR).mkdir(exist_ok=True, mode=0o700)
            shutil.copy2(source, target / KEYS_DIR / name)
    for path in sorted(p for p in target.rglob("*") if p.is_file()):
        manifest.files[path.relative_to(target).as_posix()] = {
            "size": path.stat().st_size,
            "sha256": sha256_of(path),
        }
    (target / MANIFEST).write_text(json.dumps(manifest.to_json(), indent=2) + "\n")
    return manifest


def _sqlite_path(engine: sa.Engine) -> str:
    path = engine.url.database
    if not path or path == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up.")
    return path


def _backup_sqlite(engine: sa.Engine, destination: Path) -> None:
    source = sqlite3.connect(_sqlite_path(engine))
    copy = sqlite3.connect(destination)
    try:
        with copy:
            source.backup(copy)  # pages copied in steps; writers may go on meanwhile
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        copy.close()
        source.close()


def _copy_tree(source: Path, destination: Path, skip: set[Path]) -> None:
    destination.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not source.exists():
        return
    for path in sorted(source.rglob("*")):
        if any(path == s or s in path.parents for s in skip) or not path.is_file():
            continue
        out = destination / path.relative_to(source)
        out.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        shutil.copy2(path, out)


# --------------------------------------------------------------------------------- restore


def read_manifest(source: Path) -> Manifest:
    """The backup's manifest, after checking every file it lists against its SHA-256."""
    try:
        raw = json.loads((Path(source) / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{source} has no readable {MANIFEST}: is it a Minimin backup?") from exc
    if raw.get("format") != FORMAT:
        raise BackupError(f"This backup has format {raw.get('format')!r}; expected {FORMAT}.")
    manifest = Manifest(
        database=raw["database"],
        files=raw["files"],
        created_at=raw.get("created_at", ""),
        storage=raw.get("storage", "local"),
    )
    for name, entry in manifest.files.items():
        path = Path(source) / name
        if ".." in Path(name).parts or not path.is_file() or sha256_of(path) != entry["sha256"]:
            raise BackupError(f"The backup is damaged: {name} is missing or has changed.")
    return manifest


def restore(source: Path, *, engine: sa.Engine, files: Storage, instance_path: Path) -> Manifest:
    """Restore the backup in *source* into *engine*'s database and *files*' folder."""
    source = Path(source)
    manifest = read_manifest(source)
    if manifest.database != _kind(engine.url):
        raise BackupError(
            f"This backup holds a {manifest.database} database, but Minimin is configured "
            f"for {_kind(engine.url)}."
        )
    engine.dispose()  # no pooled connection may outlive the restore
    if manifest.database == "sqlite":
        _restore_sqlite(source / SQLITE_FILE, Path(_sqlite_path(engine)))
    else:
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                f"--dbname={engine.url.database}",
                str(source / PG_FILE),
            ],
            _pg_env(engine.url),
        )
    if manifest.storage == "local":
        if not isinstance(files, LocalStorage):
            raise BackupError("This backup holds local files, but Minimin is configured for S3.")
        _copy_tree(source / FILES_DIR, files.root, skip=set())
    keys = source / KEYS_DIR
    for name in KEY_FILES:
        if (keys / name).is_file():
            shutil.copy2(keys / name, Path(instance_path) / name)
            os.chmod(Path(instance_path) / name, 0o600)
    return manifest


def _restore_sqlite(backup_file: Path, database: Path) -> None:
    database.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    source = sqlite3.connect(backup_file)
    target = sqlite3.connect(database)
    try:
        with target:
            source.backup(target)
    finally:
        target.close()
        source.close()


# --------------------------------------------------------------------------------- commands


def _current() -> dict[str, Any]:
    from minimin.core.storage import storage
    from minimin.extensions import db

    return {
        "engine": db.engine,
        "files": storage(),
        "instance_path": Path(current_app.instance_path),
    }


@click.command("backup")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_command(directory: Path) -> None:
    """Back up the database, the stored files and the instance keys into DIRECTORY."""
    try:
        manifest = backup(directory, **_current())
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Backed up {manifest.database} and {len(manifest.files)} files into {directory}.")
    if manifest.storage != "local":
        click.echo("Files in S3 were not copied: back the bucket up with its own versioning.")


@click.command("restore")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(directory: Path, yes: bool) -> None:
    """Restore a backup made by `minimin backup` (stop the web and worker processes first)."""
    if not yes:
        click.confirm("This replaces the database and adds the backup's files. Go on?", abort=True)
    try:
        manifest = restore(directory, **_current())
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"Restored {manifest.database} and the files of the backup of {manifest.created_at}."
    )
