"""Export and deletion over every personal table, found by introspection (tests/factories.py)."""

from __future__ import annotations

import io
import json
import re
import zipfile
from typing import Any

import sqlalchemy as sa

from tests.factories import SKIPPED, build_full_account, check_coverage


def _full(app: Any, user: Any) -> dict[str, Any]:
    from minimin.extensions import db

    with app.app_context():
        ids = build_full_account(user.id)
        db.session.commit()
        db.session.remove()
    return ids


def test_every_personal_table_has_a_factory(app: Any) -> None:
    with app.app_context():
        check_coverage()


def test_export_holds_every_table_and_column_and_nothing_of_another_user(
    app: Any, client: Any, make_user: Any, login: Any
) -> None:
    from minimin.privacy import discovery

    owner = make_user(email="owner@example.com")
    other = make_user(email="other@example.com", full_name="Other Person")
    _full(app, owner)
    other_ids = _full(app, other)
    login(client, owner)
    response = client.submit("/privacy/export", {}, form_page="/privacy")
    assert response.status_code == 302
    status_page = client.get(response.headers["Location"]).get_data(as_text=True)
    zip_url = re.search(r'href="(/privacy/export/[^"]+\.zip)"', status_page)
    assert zip_url, status_page
    download = client.get(zip_url.group(1))
    assert download.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    document = json.loads(archive.read("minimin-export.json"))
    assert document["schema"] == "minimin-export" and document["version"] == 1
    assert document["user"]["email"] == "owner@example.com"
    assert "password_hash" not in document["user"]
    with app.app_context():
        for table in discovery.personal_tables():
            rows = document["tables"][table.name]
            if table.name in SKIPPED:
                continue
            assert rows, f"no rows exported for {table.name}"
            expected = {
                c.name
                for c in table.columns
                if not c.name.endswith(("password_hash", "token_hash"))
                and (table.name, c.name) not in discovery.SECRET_COLUMNS
            }
            assert set(rows[0]) == expected, table.name
            assert not any(c.endswith("token_hash") for c in rows[0])
    text = json.dumps(document)
    # Secrets granting access to the Stripe account are present but masked.
    stripe = document["tables"]["stripe_account"][0]
    assert stripe["secret_key"] == "rk_live_\u20261234"
    assert stripe["webhook_secret"] == "whsec_\u20268765"
    assert "canary51Hxyz" not in text and "canaryQwErTy" not in text
    assert str(other.id) not in text and other.id.hex not in text
    for value in other_ids.values():
        assert str(value) not in text
    # Encrypted columns are decrypted; money is a string; the files are in the ZIP.
    profile = document["tables"]["business_profile"][0]
    assert profile["bank_account_number"] == "98761234"
    assert document["tables"]["invoice_payment"][0]["amount_pence"] == "5000"
    names = archive.namelist()
    assert any(n.startswith("files/stored_file/") for n in names)
    # The factories share one PDF between the invoice and the documents: it is in once.
    assert any(n.startswith("files/") and n.endswith(".pdf") for n in names)
    json_download = client.get(zip_url.group(1).replace(".zip", ".json"))
    assert json.loads(json_download.data)["schema"] == "minimin-export"


def test_another_user_cannot_download_an_export(
    app: Any, client: Any, make_user: Any, login: Any
) -> None:
    owner = make_user()
    other = make_user()
    login(client, owner)
    response = client.submit("/privacy/export", {}, form_page="/privacy")
    export_path = response.headers["Location"]
    second = app.test_client()
    login(second, other)
    assert second.get(export_path).status_code == 404
    assert second.get(export_path + "/minimin-export.zip").status_code == 404


def test_export_request_without_csrf_is_refused(client: Any, make_user: Any, login: Any) -> None:
    login(client, make_user())
    assert client.post("/privacy/export").status_code == 400


def test_deletion_removes_every_row_and_file_and_spares_another_user(
    app: Any, client: Any, make_user: Any, login: Any
) -> None:
    from minimin.core.storage import storage
    from minimin.extensions import db
    from minimin.privacy import discovery

    owner = make_user(email="leaver@example.com")
    other = make_user(email="stayer@example.com")
    owner_ids = _full(app, owner)
    other_ids = _full(app, other)
    login(client, owner)
    page = client.get("/privacy/delete").get_data(as_text=True)
    assert "5 years" in page
    wrong = client.submit(
        "/privacy/delete",
        {"records": "exported", "confirm": "y", "password": "not the password"},
    )
    assert wrong.status_code == 400
    # With a passkey, the password alone deletes nothing: the passkey step follows.
    step = client.submit(
        "/privacy/delete",
        {"records": "exported", "confirm": "y", "password": owner.plain_password},
    )
    assert step.status_code == 200 and "Confirm with your passkey" in step.get_data(as_text=True)
    with app.app_context():
        passkey = discovery.metadata().tables["passkey"]
        assert db.session.execute(discovery.rows_of_user(passkey, owner.id)).all()
        db.session.execute(sa.delete(passkey).where(passkey.c.user_id == owner.id))
        db.session.commit()
        db.session.remove()
    response = client.submit(
        "/privacy/delete",
        {"records": "exported", "confirm": "y", "password": owner.plain_password},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert response.headers["Location"].endswith("/privacy/deleted")
    with app.app_context():
        user_table = discovery.metadata().tables["user"]
        assert (
            db.session.scalar(sa.select(user_table.c.id).where(user_table.c.id == owner.id)) is None
        )
        for table in discovery.personal_tables():
            left = db.session.execute(discovery.rows_of_user(table, owner.id)).all()
            assert not left, f"{table.name} still holds rows of the deleted user"
            if table.name not in SKIPPED:
                kept = db.session.execute(discovery.rows_of_user(table, other.id)).all()
                assert kept, f"{table.name} lost the other user's rows"
        assert not storage().exists(owner_ids["_file_key"])
        assert not storage().exists(owner_ids["_pdf_key"])
        assert not storage().exists(owner_ids["_zip_key"])  # the accountant export's ZIP
        assert storage().exists(other_ids["_file_key"])
        pending = discovery.metadata().tables["pending_file_deletion"]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(pending)) == 0
    assert client.get("/privacy").status_code == 302  # signed out


def test_file_sweep_finishes_after_a_crash(app: Any, make_user: Any) -> None:
    """Rows deleted and committed, the process dies before removing files: the periodic sweep
    removes them."""
    from minimin.core import db as core_db
    from minimin.core.storage import storage
    from minimin.extensions import db
    from minimin.privacy import deletion, tasks

    user = make_user()
    ids = _full(app, user)
    with app.app_context():
        deletion.delete_account(user.id)
        db.session.info.pop(core_db._AFTER_COMMIT_KEY, None)  # the crash: nothing after commit
        db.session.commit()
        assert storage().exists(ids["_file_key"])
        assert tasks.sweep_files.apply().get() == 3  # logo, invoice PDF, accountant ZIP
        assert not storage().exists(ids["_file_key"])
        assert tasks.sweep_files.apply().get() == 0
