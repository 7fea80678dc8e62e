"""Remittance PDFs read in the background: the "reading…" page, hostile PDFs that end as
"could not read this file" (and are not kept), the per-user rate limit, a full disk, tenancy."""

from __future__ import annotations

import errno
import io
import os
import uuid
from pathlib import Path
from typing import Any

import pikepdf
import pytest

from minimin.core.storage import LocalStorage
from tests.functional.remittances.test_remittance_imports_and_security import pdf_bytes, upload


def stroke_bomb(strokes: int) -> bytes:
    """A one-page PDF whose page draws *strokes* tiny lines: small on disk, slow to lay out."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    content = b"".join(
        b"%d %d m %d %d l S\n" % (i % 500, i % 700, i % 500 + 1, i % 700 + 1)
        for i in range(strokes)
    )
    pdf.pages[0].Contents = pdf.make_stream(content)
    out = io.BytesIO()
    pdf.save(out, compress_streams=True)
    return out.getvalue()


def files_on_disk(app: Any) -> list[Path]:
    root = Path(app.instance_path) / "files"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_the_import_page_says_reading_and_refreshes_itself(
    app: Any, signed_in: Any, owner: Any, make_agency: Any
) -> None:
    from minimin.extensions import db
    from minimin.remittances.models import READING, RemittanceImport

    agency = make_agency(owner)
    with app.app_context():
        job = RemittanceImport(user_id=owner.id, agency_id=agency, status=READING)
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    page = signed_in.get(f"/remittances/import/{job_id}").get_data(as_text=True)
    assert "Reading…" in page
    assert '<meta http-equiv="refresh" content="2">' in page
    assert "<script" not in page.split("</head>")[1].split("<footer")[0]


def test_a_pathological_pdf_ends_as_unreadable_and_is_not_kept(
    app: Any, signed_in: Any, owner: Any, make_agency: Any, count_rows: Any
) -> None:
    from minimin.files.models import StoredFile
    from minimin.remittances.models import UNREADABLE, Remittance, RemittanceImport

    agency = make_agency(owner)
    response = upload(signed_in, agency, stroke_bomb(150_000), "bomb.pdf")
    assert response.status_code == 302
    page = signed_in.get(response.headers["Location"])
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "could not read this file" in text
    assert "holds too much to read" in text
    assert "refresh" not in text
    assert count_rows(RemittanceImport, status=UNREADABLE) == 1
    assert count_rows(StoredFile) == 0 and count_rows(Remittance) == 0
    assert files_on_disk(app) == []


def test_a_pdf_with_a_table_is_read_once_even_if_the_job_runs_again(
    app: Any, signed_in: Any, owner: Any, make_agency: Any, count_rows: Any
) -> None:
    from minimin.extensions import db
    from minimin.remittances.models import Remittance, RemittanceImport
    from minimin.remittances.tasks import read_remittance_pdf

    agency = make_agency(owner)
    response = upload(signed_in, agency, pdf_bytes(), "advice.pdf")
    job_id = response.headers["Location"].rsplit("/", 1)[1]
    with app.app_context():
        assert read_remittance_pdf.apply(args=[job_id]).get() == "read"
        job = db.session.get(RemittanceImport, uuid.UUID(job_id))
        assert job is not None and job.remittance_id is not None
    assert count_rows(Remittance) == 1


def test_imports_are_rate_limited_per_user(
    app: Any,
    signed_in: Any,
    owner: Any,
    make_agency: Any,
    make_user: Any,
    count_rows: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from minimin.extensions import db
    from minimin.files.models import StoredFile
    from minimin.remittances.models import READING, RemittanceImport
    from minimin.remittances.services import reading

    agency = make_agency(owner)
    monkeypatch.setattr(reading, "IMPORTS_PER_HOUR", 2)
    assert upload(signed_in, agency, pdf_bytes(), "1.pdf").status_code == 302
    assert upload(signed_in, agency, pdf_bytes(), "2.pdf").status_code == 302
    refused = upload(signed_in, agency, pdf_bytes(), "3.pdf")
    assert refused.status_code == 429
    assert "imported 2 PDFs in the last hour" in refused.get_data(as_text=True)
    assert count_rows(RemittanceImport) == 2 and count_rows(StoredFile) == 2
    # Two still being read (a stalled worker) stop a third even under the hourly limit.
    monkeypatch.setattr(reading, "IMPORTS_PER_HOUR", 100)
    other = make_user()
    with app.app_context():
        for _ in range(2):
            db.session.add(RemittanceImport(user_id=other.id, status=READING))
        db.session.commit()
    assert upload(signed_in, agency, pdf_bytes(), "4.pdf").status_code == 302  # other's count
    with app.app_context():
        for _ in range(2):
            db.session.add(RemittanceImport(user_id=owner.id, status=READING))
        db.session.commit()
    refused = upload(signed_in, agency, pdf_bytes(), "5.pdf")
    assert refused.status_code == 429
    assert "still being read" in refused.get_data(as_text=True)


def test_disk_full_during_the_upload_leaves_no_file_and_no_row(
    app: Any, signed_in: Any, owner: Any, make_agency: Any, count_rows: Any
) -> None:
    from minimin.files.models import StoredFile
    from minimin.remittances.models import RemittanceImport

    class FullDisk(LocalStorage):
        def _write_chunk(self, fd: int, chunk: bytes) -> None:
            os.write(fd, chunk[:10])
            raise OSError(errno.ENOSPC, "No space left on device")

    agency = make_agency(owner)
    app.extensions["minimin_storage"] = FullDisk(Path(app.instance_path) / "files")
    response = upload(signed_in, agency, pdf_bytes(), "advice.pdf")
    assert response.status_code == 503
    assert "storage is unavailable or full" in response.get_data(as_text=True)
    assert count_rows(StoredFile) == 0 and count_rows(RemittanceImport) == 0
    assert files_on_disk(app) == []


def test_another_users_import_is_not_found(
    app: Any, signed_in: Any, make_user: Any, make_agency: Any
) -> None:
    from minimin.extensions import db
    from minimin.remittances.models import READING, RemittanceImport

    other = make_user()
    with app.app_context():
        job = RemittanceImport(user_id=other.id, status=READING)
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    assert signed_in.get(f"/remittances/import/{job_id}").status_code == 404


def test_an_import_lost_by_its_worker_stops_saying_reading(
    app: Any, signed_in: Any, owner: Any
) -> None:
    import datetime as dt

    from minimin.core.db import utcnow
    from minimin.extensions import db
    from minimin.remittances.models import READING, RemittanceImport

    with app.app_context():
        job = RemittanceImport(
            user_id=owner.id, status=READING, created_at=utcnow() - dt.timedelta(minutes=20)
        )
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    page = signed_in.get(f"/remittances/import/{job_id}").get_data(as_text=True)
    assert "could not read this file" in page
    assert "refresh" not in page
