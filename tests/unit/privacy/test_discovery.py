"""Discovery of personal tables and file columns from the metadata."""

from __future__ import annotations

from minimin.app import create_app
from minimin.privacy import discovery


def _app():  # type: ignore[no-untyped-def]
    return create_app(mode="testing")


def test_every_key_column_is_classified_as_file_or_not() -> None:
    with _app().app_context():
        for table in discovery.metadata().tables.values():
            for column in table.columns:
                if column.name.endswith("_key") or column.name == "storage_key":
                    assert discovery.is_storage_key(column) or column.name in (
                        discovery.NOT_STORAGE_KEYS
                    ), f"{table.name}.{column.name}: classify it in privacy.discovery"


def test_child_tables_and_deletion_order() -> None:
    with _app().app_context():
        children = {link.table.name: link.parent.name for link in discovery.child_tables()}
        assert children.get("outbound_attachment") == "outbound_email"
        order = [t.name for t in discovery.deletion_order()]
        assert order.index("invoice_line") < order.index("invoice")
        assert order.index("outbound_attachment") < order.index("outbound_email")
        assert "user" not in order and "pending_file_deletion" not in order


def test_a_waiting_emails_sealed_copy_is_never_exported() -> None:
    """The sealed copy holds live links (reset, payment); the export gives the redacted log."""
    from minimin.privacy.export import exported_columns

    with _app().app_context():
        columns = exported_columns(discovery.metadata().tables["outbound_email"])
        assert "sealed" not in columns
        assert "subject" in columns and "to_address" in columns
