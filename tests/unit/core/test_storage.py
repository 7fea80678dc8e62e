"""Storage backends: local disk (atomic, random keys, faults) and S3 against a local S3 server."""

from __future__ import annotations

import errno
import io
import os
from pathlib import Path

import pytest

from minimin.core.storage import (
    FileMissing,
    LocalStorage,
    S3Storage,
    Storage,
    StorageError,
    build_storage,
)


class FullDisk(LocalStorage):
    """A disk that fills up after the first few bytes of a write (a real ENOSPC from write(2)
    cannot be provoked without a tiny filesystem, which this machine does not offer)."""

    def _write_chunk(self, fd: int, chunk: bytes) -> None:
        os.write(fd, chunk[:10])
        raise OSError(errno.ENOSPC, "No space left on device")


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def contract(backend: Storage) -> None:
    """What every backend promises."""
    key = backend.save(b"hello world", "text/plain")
    assert backend.exists(key)
    assert backend.size(key) == 11
    assert backend.read(key) == b"hello world"
    with backend.open(key) as fh:
        assert fh.read(5) == b"hello"
    streamed = backend.save(io.BytesIO(b"x" * 3_000_000), "application/octet-stream")
    assert backend.size(streamed) == 3_000_000
    assert key != streamed
    backend.delete(key)
    assert not backend.exists(key)
    backend.delete(key)  # deleting twice is fine
    with pytest.raises(FileMissing):
        backend.open(key)
    with pytest.raises(FileMissing):
        backend.size(key)
    for bad in ("../../etc/passwd", "ab/../../x", "/etc/passwd", "", "AB/" + "0" * 32):
        assert not backend.exists(bad)
        with pytest.raises(FileMissing):
            backend.open(bad)


def test_local_contract(tmp_path):
    contract(LocalStorage(tmp_path / "files"))


def test_local_files_are_private_and_named_randomly(tmp_path):
    backend = LocalStorage(tmp_path / "files")
    key = backend.save(b"data", "text/plain")
    path = tmp_path / "files" / key
    assert path.is_file()
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert "text" not in key and len(key) == 35
    assert files_under(tmp_path / "files" / "tmp") == []


def test_disk_full_leaves_no_temp_file(tmp_path):
    backend = FullDisk(tmp_path / "files")
    with pytest.raises(OSError) as info:
        backend.save(b"x" * 100_000, "image/png")
    assert info.value.errno == errno.ENOSPC
    assert files_under(tmp_path / "files") == []


def test_failed_stream_leaves_no_temp_file(tmp_path):
    class Broken(io.RawIOBase):
        calls = 0

        def read(self, size=-1):
            self.calls += 1
            if self.calls > 1:
                raise ConnectionResetError("client went away")
            return b"partial"

    backend = LocalStorage(tmp_path / "files")
    with pytest.raises(ConnectionResetError):
        backend.save(Broken(), "image/png")  # type: ignore[arg-type]
    assert files_under(tmp_path / "files") == []


def test_build_storage_picks_backend(tmp_path):
    class Settings:
        storage_backend = "local"
        s3: dict = {}

    assert isinstance(build_storage(Settings, tmp_path), LocalStorage)
    Settings.storage_backend = "ftp"
    with pytest.raises(StorageError):
        build_storage(Settings, tmp_path)
    Settings.storage_backend = "s3"
    with pytest.raises(StorageError, match="MINIMIN_S3_BUCKET"):
        build_storage(Settings, tmp_path)


# --------------------------------------------------------------------------- S3 (moto server)


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(s3_endpoint, monkeypatch):
    import boto3

    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    options = {
        "endpoint_url": s3_endpoint,
        "region": "eu-west-2",
        "access_key_id": "testing",
        "secret_access_key": "testing",
    }
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="eu-west-2",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    bucket = f"minimin-{os.urandom(4).hex()}"
    client.create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"}
    )
    return bucket, options, client


def test_s3_contract(s3):
    bucket, options, _client = s3
    contract(S3Storage(bucket, **options))


def test_s3_stores_content_type_and_prefix(s3):
    bucket, options, client = s3
    backend = S3Storage(bucket, prefix="/uploads/", **options)
    key = backend.save(b"\x89PNG...", "image/png")
    head = client.head_object(Bucket=bucket, Key=f"uploads/{key}")
    assert head["ContentType"] == "image/png"


def test_s3_from_settings(s3, tmp_path):
    bucket, options, _client = s3

    class Settings:
        storage_backend = "s3"
        s3 = {
            "bucket": bucket,
            "endpoint_url": options["endpoint_url"],
            "region": "eu-west-2",
            "access_key_id": "testing",
            "secret_access_key": "testing",
        }

    backend = build_storage(Settings, tmp_path)
    assert isinstance(backend, S3Storage)
    assert backend.read(backend.save(b"abc", "text/plain")) == b"abc"


def test_s3_unreachable_is_a_storage_error(tmp_path):
    backend = S3Storage(
        "bucket",
        endpoint_url="http://127.0.0.1:9",
        region="eu-west-2",
        access_key_id="x",
        secret_access_key="y",
    )
    with pytest.raises(Exception) as info:
        backend.save(b"abc", "text/plain")
    assert isinstance(info.value, OSError | StorageError) or "Could not connect" in str(info.value)


# --------------------------------------------------------------------------- transactions


def test_file_saved_in_a_rolled_back_transaction_is_removed(app, tmp_path):
    from minimin.core.storage import delete_after_commit, save_in_transaction, storage
    from minimin.extensions import db

    with app.app_context():
        backend = storage()
        key = save_in_transaction(db.session, b"orphan?", "text/plain")
        assert backend.exists(key)
        db.session.rollback()
        assert not backend.exists(key)

        kept = save_in_transaction(db.session, b"kept", "text/plain")
        db.session.commit()
        db.session.rollback()  # a later rollback does not touch committed files
        assert backend.exists(kept)

        delete_after_commit(db.session, kept)
        from minimin.core import db as core_db

        core_db.rollback(db.session)  # the deletion was rolled back: the file stays
        assert backend.exists(kept)
        delete_after_commit(db.session, kept)
        core_db.commit(db.session)
        assert not backend.exists(kept)
