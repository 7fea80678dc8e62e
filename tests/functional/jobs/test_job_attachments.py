"""Files attached to a job: upload, list, owner-only download, removal after confirmation, and
refusals (too large, wrong type) that store nothing."""

from __future__ import annotations

import io
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.functional.jobs.conftest import job_form, only_job_id

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n"
    b"0000000101 00000 n \ntrailer<</Size 4/Root 1 0 R>>\nstartxref\n170\n%%EOF\n"
)


def jpeg_with_exif() -> bytes:
    from PIL import Image

    image = Image.new("RGB", (40, 30), (20, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "SecretCameraMaker"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


@pytest.fixture
def intruder(make_user: Any) -> Any:
    return make_user(email=f"intruder-{uuid.uuid4().hex[:8]}@example.com")


@pytest.fixture
def job_id(app: Any, signed_in: Any, owner: Any, make_client: Any) -> uuid.UUID:
    form = job_form(title="Call sheet shoot", client_id=str(make_client(owner)))
    response = signed_in.submit("/jobs/new", form)
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    return only_job_id(app)


def upload(client: Any, job_id: Any, payload: bytes, filename: str) -> Any:
    return client.post(
        f"/jobs/{job_id}/attachments",
        data={
            "csrf_token": client.csrf_token(f"/jobs/{job_id}"),
            "file": (io.BytesIO(payload), filename),
        },
        content_type="multipart/form-data",
    )


def stored_files(app: Any) -> list[Path]:
    root = Path(app.instance_path) / "files"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def rows(app: Any) -> list[tuple[Any, ...]]:
    """(attachment id, job id, file id, filename, content type, size, storage key) rows."""
    from minimin.extensions import db
    from minimin.files.models import StoredFile
    from minimin.jobs.models import JobAttachment

    with app.app_context():
        result = db.session.execute(
            sa.select(
                JobAttachment.id,
                JobAttachment.job_id,
                StoredFile.id,
                StoredFile.filename,
                StoredFile.content_type,
                StoredFile.size,
                StoredFile.storage_key,
                JobAttachment.user_id,
            )
            .join(StoredFile, StoredFile.id == JobAttachment.file_id)
            .order_by(JobAttachment.created_at)
        ).all()
        return [tuple(r) for r in result]


def file_count(app: Any) -> int:
    from minimin.extensions import db
    from minimin.files.models import StoredFile

    with app.app_context():
        return int(db.session.scalar(sa.select(sa.func.count()).select_from(StoredFile)) or 0)


def test_upload_list_and_download_by_owner(app: Any, signed_in: Any, owner: Any, job_id: Any):
    response = upload(signed_in, job_id, MINIMAL_PDF, "Call sheet 10 Nov.pdf")
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    assert response.headers["Location"].endswith(f"/jobs/{job_id}#attachments")
    response = upload(signed_in, job_id, jpeg_with_exif(), "../../moodboard.jpeg")
    assert response.status_code == 302

    (pdf, jpeg) = rows(app)
    assert pdf[1] == job_id and jpeg[1] == job_id
    assert pdf[7] == owner.id and jpeg[7] == owner.id
    assert pdf[3] == "Call sheet 10 Nov.pdf" and pdf[4] == "application/pdf"
    assert pdf[5] == len(MINIMAL_PDF)
    assert jpeg[3] == "moodboard.jpg" and jpeg[4] == "image/jpeg"
    assert len(stored_files(app)) == 2

    page = signed_in.get(f"/jobs/{job_id}").get_data(as_text=True)
    section = page[page.index('id="attachments"') :]
    assert "Call sheet 10 Nov.pdf" in section
    assert "PDF document" in section and "JPEG image" in section
    assert f"{len(MINIMAL_PDF)} Bytes" in section
    assert f'href="/files/{pdf[2]}"' in section and f'href="/files/{jpeg[2]}"' in section

    served = signed_in.get(f"/files/{pdf[2]}")
    assert served.status_code == 200
    assert served.data == MINIMAL_PDF
    assert served.headers["Content-Disposition"].startswith("attachment;")
    image = signed_in.get(f"/files/{jpeg[2]}")
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert b"SecretCameraMaker" not in image.data


def test_removal_asks_first_then_deletes_the_file(app: Any, signed_in: Any, job_id: Any) -> None:
    assert upload(signed_in, job_id, MINIMAL_PDF, "brief.pdf").status_code == 302
    ((attachment_id, _, file_id, _, _, _, key, _),) = rows(app)
    url = f"/jobs/{job_id}/attachments/{attachment_id}/remove"
    assert url in signed_in.get(f"/jobs/{job_id}").get_data(as_text=True)

    confirm = signed_in.get(url)
    assert confirm.status_code == 200
    text = confirm.get_data(as_text=True)
    assert "Remove “brief.pdf”?" in text and 'method="post"' in text
    assert len(rows(app)) == 1 and len(stored_files(app)) == 1  # asking changes nothing

    assert signed_in.post(url, data={}).status_code == 400  # no token: refused, kept
    assert len(rows(app)) == 1 and len(stored_files(app)) == 1

    response = signed_in.post(url, data={"csrf_token": signed_in.csrf_token(url)})
    assert response.status_code == 302
    assert rows(app) == [] and file_count(app) == 0
    assert stored_files(app) == []
    assert signed_in.get(f"/files/{file_id}").status_code == 404
    assert "No files attached yet" in signed_in.get(f"/jobs/{job_id}").get_data(as_text=True)
    from minimin.core.storage import storage

    with app.app_context():
        assert not storage().exists(key)


def test_deleting_the_job_deletes_its_files(app: Any, signed_in: Any, job_id: Any) -> None:
    assert upload(signed_in, job_id, MINIMAL_PDF, "usage contract.pdf").status_code == 302
    assert upload(signed_in, job_id, jpeg_with_exif(), "set.jpg").status_code == 302
    assert len(stored_files(app)) == 2
    response = signed_in.submit(f"/jobs/{job_id}/delete", {}, form_page=f"/jobs/{job_id}")
    assert response.status_code == 302, response.status_code
    assert rows(app) == [] and file_count(app) == 0
    assert stored_files(app) == []


def test_other_users_get_404_and_change_nothing(
    app: Any,
    signed_in: Any,
    owner: Any,
    intruder: Any,
    login: Any,
    make_client: Any,
    job_id: Any,
) -> None:
    assert upload(signed_in, job_id, MINIMAL_PDF, "private brief.pdf").status_code == 302
    ((attachment_id, _, file_id, _, _, _, _, _),) = rows(app)

    other = app.test_client()
    login(other, intruder)
    token = other.csrf_token("/jobs")
    # Uploading into another user's job.
    response = other.post(
        f"/jobs/{job_id}/attachments",
        data={"csrf_token": token, "file": (io.BytesIO(MINIMAL_PDF), "mine.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 404
    # Asking to remove, and removing, another user's attachment.
    url = f"/jobs/{job_id}/attachments/{attachment_id}/remove"
    assert other.get(url).status_code == 404
    assert other.post(url, data={"csrf_token": token}).status_code == 404
    # Downloading it.
    assert other.get(f"/files/{file_id}").status_code == 404
    assert len(rows(app)) == 1 and file_count(app) == 1 and len(stored_files(app)) == 1

    # The intruder's own job with the owner's attachment id in its URL: still 404.
    form = job_form(title="Intruder job", client_id=str(make_client(intruder, "Other Co")))
    assert other.submit("/jobs/new", form).status_code == 302
    from minimin.extensions import db
    from minimin.jobs.models import Job

    with app.app_context():
        own_job = db.session.scalar(sa.select(Job.id).where(Job.user_id == intruder.id))
    mixed = f"/jobs/{own_job}/attachments/{attachment_id}/remove"
    assert other.get(mixed).status_code == 404
    assert other.post(mixed, data={"csrf_token": token}).status_code == 404
    # And the owner's job id with the right attachment but a malformed id.
    assert signed_in.get(f"/jobs/{job_id}/attachments/not-a-uuid/remove").status_code == 404
    assert len(rows(app)) == 1 and len(stored_files(app)) == 1


def test_attachment_of_another_job_is_404_under_this_job(
    app: Any, signed_in: Any, owner: Any, make_client: Any, job_id: Any
) -> None:
    assert upload(signed_in, job_id, MINIMAL_PDF, "a.pdf").status_code == 302
    form = job_form(title="Second job", client_id=str(make_client(owner, "Second Co")))
    assert signed_in.submit("/jobs/new", form).status_code == 302
    ((attachment_id, _, _, _, _, _, _, _),) = rows(app)
    from minimin.extensions import db
    from minimin.jobs.models import Job

    with app.app_context():
        second = db.session.scalar(sa.select(Job.id).where(Job.id != job_id))
    url = f"/jobs/{second}/attachments/{attachment_id}/remove"
    assert signed_in.get(url).status_code == 404
    token = signed_in.csrf_token(f"/jobs/{job_id}")
    assert signed_in.post(url, data={"csrf_token": token}).status_code == 404
    assert len(rows(app)) == 1


@pytest.mark.parametrize(
    ("payload", "filename", "status", "message"),
    [
        (b"%PDF-1.4 " + b"0" * (20 * 1024 * 1024 + 10), "huge.pdf", 413, "too large"),
        (b"<html><script>alert(1)</script></html>", "call-sheet.pdf", 415, "PNG, JPEG or WebP"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "logo.png", 415, "SVG images"),
        (b"GIF89a" + b"\x00" * 40, "anim.gif", 415, "PNG, JPEG or WebP"),
        (b"PK\x03\x04 a zip file", "contract.docx", 415, "PNG, JPEG or WebP"),
        (b"\x89PNG\r\n\x1a\n" + b"garbage" * 10, "broken.png", 400, "damaged"),
        (
            MINIMAL_PDF.replace(
                b"/Type/Catalog", b"/Type/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>"
            ),
            "active.pdf",
            400,
            "active content",
        ),
        (b"", "empty.pdf", 400, "empty"),
    ],
)
def test_refused_files_store_nothing(
    app: Any,
    signed_in: Any,
    job_id: Any,
    payload: bytes,
    filename: str,
    status: int,
    message: str,
) -> None:
    response = upload(signed_in, job_id, payload, filename)
    assert response.status_code == status
    text = re.sub(r"\s+", " ", response.get_data(as_text=True))
    assert message in text, text[:3000]
    assert rows(app) == []
    assert file_count(app) == 0
    assert stored_files(app) == []


def test_no_file_chosen_is_a_clear_error(app: Any, signed_in: Any, job_id: Any) -> None:
    response = signed_in.post(
        f"/jobs/{job_id}/attachments",
        data={"csrf_token": signed_in.csrf_token(f"/jobs/{job_id}")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "Choose a PDF or an image" in response.get_data(as_text=True)
    assert rows(app) == []


def test_a_refusal_after_earlier_uploads_keeps_them(app: Any, signed_in: Any, job_id: Any):
    assert upload(signed_in, job_id, MINIMAL_PDF, "keep.pdf").status_code == 302
    assert upload(signed_in, job_id, b"not a file type", "bad.pdf").status_code == 415
    assert [r[3] for r in rows(app)] == ["keep.pdf"]
    assert len(stored_files(app)) == 1
