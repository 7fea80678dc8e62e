"""The upload catalogue of docs/security.md ("Uploads"), through the real logo upload and
download routes."""

from __future__ import annotations

import errno
import io
import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import ExifTags, Image

from minimin.core.security import SANDBOX_CSP
from minimin.core.storage import LocalStorage
from tests.unit.business import images

PAGE = "/settings/business"
UPLOAD = f"{PAGE}/logo"


@pytest.fixture
def user(make_user):
    return make_user()


@pytest.fixture
def signed_in(client, user, login):
    login(client, user)
    return client


def upload(client, data: bytes, name: str = "logo.png", content_type: str = "image/png"):
    return client.submit(
        UPLOAD,
        {"logo": (io.BytesIO(data), name, content_type)},
        form_page=PAGE,
        content_type="multipart/form-data",
    )


def stored_files(app, user=None):
    from minimin.extensions import db
    from minimin.files.models import StoredFile

    with app.app_context():
        db.session.remove()
        query = sa.select(StoredFile)
        if user is not None:
            query = query.where(StoredFile.user_id == user.id)
        rows = db.session.scalars(query).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def disk_files(app) -> list[Path]:
    root = Path(app.instance_path) / "files"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def logo_id(app, user):
    from minimin.business.models import BusinessProfile
    from minimin.extensions import db

    with app.app_context():
        db.session.remove()
        return db.session.scalar(
            sa.select(BusinessProfile.logo_file_id).where(BusinessProfile.user_id == user.id)
        )


def assert_refused(app, response, status: int, message: str):
    assert response.status_code == status, response.status_code
    body = response.get_data(as_text=True)
    assert message in body
    assert "Traceback" not in body
    assert stored_files(app) == []
    assert disk_files(app) == []


# --------------------------------------------------------------------------- accepted


def test_logo_upload_preview_replace_remove(app, signed_in, user):
    response = upload(signed_in, images.png(300, 200))
    assert response.status_code == 302
    [first] = stored_files(app, user)
    assert (first.content_type, first.width, first.height) == ("image/png", 300, 200)
    assert logo_id(app, user) == first.id
    page = signed_in.get(f"{PAGE}/branding").get_data(as_text=True)
    assert f'src="/files/{first.id}"' in page and "Remove logo" in page

    # Replacing removes the old file (row and bytes) once the change has committed.
    assert upload(signed_in, images.jpeg(100, 100), "new.jpg", "image/jpeg").status_code == 302
    [second] = stored_files(app, user)
    assert second.id != first.id and second.content_type == "image/jpeg"
    assert len(disk_files(app)) == 1
    assert signed_in.get(f"/files/{first.id}").status_code == 404

    assert signed_in.submit(f"{PAGE}/logo/remove", {}, form_page=PAGE).status_code == 302
    assert stored_files(app, user) == []
    assert disk_files(app) == []
    assert logo_id(app, user) is None


def test_download_headers(app, signed_in, user):
    upload(signed_in, images.png(), "my logo.png")
    [stored] = stored_files(app, user)
    response = signed_in.get(f"/files/{stored.id}")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == SANDBOX_CSP
    assert response.headers["Content-Disposition"].startswith("inline;")
    assert response.headers["Cache-Control"] == "no-store"
    forced = signed_in.get(f"/files/{stored.id}?download=1")
    assert forced.headers["Content-Disposition"].startswith("attachment;")
    assert 'filename="my logo.png"' in forced.headers["Content-Disposition"]


def test_files_are_owner_checked(app, client, signed_in, user, make_user, login):
    upload(signed_in, images.png())
    [stored] = stored_files(app, user)
    other = app.test_client()
    login(other, make_user())
    assert other.get(f"/files/{stored.id}").status_code == 404
    assert other.get("/files/not-a-uuid").status_code == 404
    assert other.get("/files/../../etc/passwd").status_code == 404
    anonymous = app.test_client()
    assert anonymous.get(f"/files/{stored.id}").status_code == 302


def test_type_comes_from_content_not_name(app, signed_in, user):
    response = upload(signed_in, images.jpeg(), "looks-like.png", "image/png")
    assert response.status_code == 302
    [stored] = stored_files(app, user)
    assert stored.content_type == "image/jpeg"
    assert stored.filename == "looks-like.jpg"


def test_exif_gps_removed_in_the_served_file(app, signed_in, user):
    assert upload(signed_in, images.jpeg_with_gps(), "holiday.jpg", "image/jpeg").status_code == 302
    [stored] = stored_files(app, user)
    served = signed_in.get(f"/files/{stored.id}").data
    with Image.open(io.BytesIO(served)) as img:
        assert not img.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert len(img.getexif()) == 0
    assert b"SecretCameraMaker" not in served
    assert b"SecretCameraMaker" not in b"".join(p.read_bytes() for p in disk_files(app))


@pytest.mark.parametrize(
    "name",
    [
        "../../../../etc/passwd",
        "..\\..\\boot.ini",
        "/absolute/path.png",
        "con.png",
        "evil\r\nSet-Cookie: x=1.png",
        "nul\x00.png",
        "\x1b[2J.png",
        "\u202egnp.exe",
        "a" * 1000 + ".png",
        "",
    ],
)
def test_hostile_filenames_are_only_labels(app, signed_in, user, name):
    response = upload(signed_in, images.png(), name)
    if name == "" or "\r" in name:
        # No name means the browser sent no file, and a raw line break breaks the multipart
        # part header (browsers escape it): a clear message, nothing stored.
        assert_refused(app, response, 400, "Choose a PNG, JPEG or WebP image to upload.")
        return
    assert response.status_code == 302
    [stored] = stored_files(app, user)
    assert "/" not in stored.filename and "\\" not in stored.filename
    assert all(ch.isprintable() for ch in stored.filename) and len(stored.filename) <= 130
    [path] = disk_files(app)
    assert path.resolve().is_relative_to((Path(app.instance_path) / "files").resolve())
    assert stored.filename.split(".")[0] not in path.name or stored.filename == "logo.png"
    header = signed_in.get(f"/files/{stored.id}?download=1").headers["Content-Disposition"]
    assert "\r" not in header and "\n" not in header and "/" not in header.split(";", 1)[1]


# --------------------------------------------------------------------------- refused


def test_oversize_logo_is_413(app, signed_in):
    data = images.png() + b"\x00" * (5 * 1024 * 1024)
    assert_refused(app, upload(signed_in, data), 413, "larger than 5 MB")


def test_oversize_request_is_413(app, signed_in):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    response = upload(signed_in, images.png() + b"\x00" * 100_000)
    assert response.status_code == 413
    assert stored_files(app) == []


def test_pixel_bombs(app, signed_in):
    assert_refused(
        app, upload(signed_in, images.png_header_only(40000, 40000)), 400, "too many pixels"
    )
    assert_refused(app, upload(signed_in, images.png(7000, 7000, mode="1")), 400, "too many pixels")


def test_svg_refused(app, signed_in):
    response = upload(signed_in, images.SVG, "logo.svg", "image/svg+xml")
    assert_refused(app, response, 415, "SVG images are not accepted")


@pytest.mark.parametrize(
    "data",
    [
        images.png() + images.zip_bytes(),
        images.jpeg() + images.zip_bytes(),
        images.png_with_text("<html><script>alert(1)</script></html>"),
    ],
)
def test_polyglots_refused(app, signed_in, data):
    assert_refused(app, upload(signed_in, data), 400, "not part of the picture")


@pytest.mark.parametrize(
    "data",
    [
        b"<html><body>not an image</body></html>",
        images.pdf(),
        b"GIF89a" + b"\x00" * 64,
        b"MZ\x90\x00" + b"\x00" * 64,
    ],
)
def test_wrong_magic_bytes_refused(app, signed_in, data):
    assert_refused(app, upload(signed_in, data), 415, "not a PNG, JPEG or WebP image")


def test_truncated_image_refused(app, signed_in):
    data = images.png(400, 400)
    assert_refused(app, upload(signed_in, data[: len(data) // 2]), 400, "damaged or incomplete")


def test_disk_full_leaves_no_row_and_no_temp_file(app, signed_in, user):
    class FullDisk(LocalStorage):
        def _write_chunk(self, fd: int, chunk: bytes) -> None:
            os.write(fd, chunk[:10])
            raise OSError(errno.ENOSPC, "No space left on device")

    app.extensions["minimin_storage"] = FullDisk(Path(app.instance_path) / "files")
    response = upload(signed_in, images.png())
    assert_refused(app, response, 503, "storage is unavailable or full")
    assert logo_id(app, user) is None


def test_disk_full_keeps_the_old_logo(app, signed_in, user):
    upload(signed_in, images.png())
    [old] = stored_files(app, user)

    class FullDisk(LocalStorage):
        def _write_chunk(self, fd: int, chunk: bytes) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

    app.extensions["minimin_storage"] = FullDisk(Path(app.instance_path) / "files")
    assert upload(signed_in, images.jpeg(), "b.jpg").status_code == 503
    assert [f.id for f in stored_files(app, user)] == [old.id]
    assert logo_id(app, user) == old.id
    del app.extensions["minimin_storage"]
    assert signed_in.get(f"/files/{old.id}").status_code == 200
    assert len(disk_files(app)) == 1
