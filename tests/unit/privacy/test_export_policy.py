"""The per-column export policy: secrets granting access to an outside account are masked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from minimin.app import create_app
from minimin.privacy import discovery, export

DOC = Path(__file__).resolve().parents[3] / "docs" / "privacy-export-schema.md"
#: Column names that say "this is a secret": each needs an export policy or a listed reason.
SECRET_NAME = re.compile(r"secret|api_key|access_token|refresh_token|private_key")
#: Secret-looking columns exported in clear on purpose, with the reason.
CLEAR_ON_PURPOSE: dict[str, str] = {}


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("rk_live_51HxyzAbCdEfGh1234", "rk_live_\u20261234"),
        ("sk_test_51HxyzAbCdEfGh9876", "sk_test_\u20269876"),
        ("whsec_abcdefghijklmnop5678", "whsec_\u20265678"),
        ("whsec_short", "whsec_\u2026"),
        ("no-prefix-but-long-enough-4321", "\u20264321"),
        ("tiny", "\u2026"),
        ("", "\u2026"),
        (None, None),
    ],
)
def test_mask_keeps_only_prefix_and_last_four(value: str | None, masked: str | None) -> None:
    assert export.mask(value) == masked


def test_mask_never_reveals_more_than_four_characters_of_the_secret_part() -> None:
    secret = "rk_live_" + "A" * 40 + "wxyz"
    masked = export.mask(secret)
    assert masked is not None and "A" not in masked and masked.endswith("wxyz")


def _columns() -> list[tuple[str, object]]:
    app = create_app(mode="testing")
    with app.app_context():
        tables = [*discovery.personal_tables(), discovery.metadata().tables[discovery.USER_TABLE]]
        return [(f"{t.name}.{c.name}", c) for t in tables for c in t.columns]


def test_stripe_secrets_are_masked() -> None:
    policies = {name: export.policy(c) for name, c in _columns()}  # type: ignore[arg-type]
    assert policies["stripe_account.secret_key"] == "mask"
    assert policies["stripe_account.webhook_secret"] == "mask"
    assert policies["stripe_account.key_hint"] is None


def test_every_secret_looking_column_has_a_policy_and_every_masked_column_is_documented() -> None:
    doc = DOC.read_text(encoding="utf-8")
    for name, column in _columns():
        value = export.policy(column)  # type: ignore[arg-type]  # raises on unknown policies
        if discovery.is_secret(column):  # type: ignore[arg-type]
            continue  # hashes: left out altogether
        if SECRET_NAME.search(name.split(".")[1]) and name not in CLEAR_ON_PURPOSE:
            assert value == "mask", f"{name} looks like a secret: give it an export policy"
        if value == "mask":
            assert f"`{name}`" in doc, f"{name} is masked: list it in {DOC.name}"


def test_an_unknown_policy_is_an_error() -> None:
    import sqlalchemy as sa

    table = sa.Table("t", sa.MetaData(), sa.Column("c", sa.String, info={"minimin_export": "hide"}))
    with pytest.raises(ValueError, match="unknown export policy"):
        export.policy(table.c.c)
