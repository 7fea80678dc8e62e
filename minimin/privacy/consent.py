"""Consent to the optional uses of data: AI features and non-essential communications.

Each purpose has its own consent, recorded as a history (``consent_record``) with the time and
the version of the words the person saw. Withdrawing takes effect at once: the AI feature asks
:func:`has_consent` before every call, and communications go through the accounts service,
whose product-news setting is this consent. Withdrawing AI consent can also delete the AI
conversation logs: every table whose name starts with ``ai_`` and holds a ``user_id``, found
in the models' metadata and in the database itself, so an AI table added later (even one created
outside the models) is covered.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import sqlalchemy as sa

from minimin.accounts.policies import NEWS_CONSENT_VERSION, PRIVACY_VERSION
from minimin.core import audit
from minimin.extensions import db
from minimin.privacy import discovery
from minimin.privacy.inputs import ConsentInput
from minimin.privacy.models import AI, AI_FEATURES, COMMUNICATIONS, ConsentRecord

#: The version of the words shown next to each choice on /privacy. Change it whenever the
#: words change, so the history shows what each person agreed to. The AI features are agreed
#: to under the privacy policy in force, which names them (accounts/policies.py
#: ``PRIVACY_HISTORY``: a consent given under an earlier version stays in force with that
#: version on its record).
WORDING_VERSIONS = {
    AI: "ai-2025-08",
    COMMUNICATIONS: NEWS_CONSENT_VERSION,
    **dict.fromkeys(AI_FEATURES, PRIVACY_VERSION),
}
AI_TABLE_PREFIX = "ai_"

#: Per AI feature, functions deleting what that feature stored for a user (registered by
#: minimin/ai, which privacy must not import); they run when that consent is withdrawn and
#: when the account is deleted (for rows that hold no user_id, such as pricing contributions).
FEATURE_DATA_DELETERS: dict[str, list[Callable[[uuid.UUID], int]]] = {}


def delete_feature_data(user_id: uuid.UUID, purpose: str) -> int:
    return sum(deleter(user_id) for deleter in FEATURE_DATA_DELETERS.get(purpose, []))


def latest(user_id: uuid.UUID, purpose: str) -> ConsentRecord | None:
    return db.session.scalar(
        sa.select(ConsentRecord)
        .where(ConsentRecord.user_id == user_id, ConsentRecord.purpose == purpose)
        .order_by(ConsentRecord.created_at.desc(), ConsentRecord.id.desc())
        .limit(1)
    )


def has_consent(user_id: uuid.UUID, purpose: str) -> bool:
    """Whether the user's current choice for *purpose* is yes. No record means no."""
    if purpose == COMMUNICATIONS:
        return bool(_news_consent(user_id))
    record = latest(user_id, purpose)
    return bool(record and record.granted)


def _news_consent(user_id: uuid.UUID) -> bool:
    user_table = discovery.metadata().tables[discovery.USER_TABLE]
    return bool(
        db.session.scalar(sa.select(user_table.c.news_consent).where(user_table.c.id == user_id))
    )


def history(user_id: uuid.UUID, limit: int = 50) -> list[ConsentRecord]:
    return list(
        db.session.scalars(
            sa.select(ConsentRecord)
            .where(ConsentRecord.user_id == user_id)
            .order_by(ConsentRecord.created_at.desc(), ConsentRecord.id.desc())
            .limit(limit)
        )
    )


def ai_tables() -> list[sa.Table]:
    """AI tables owned by users (and their children), dependents first: those of the models,
    then any other ``ai_*`` table with a ``user_id`` column that exists in the database."""
    owned = [
        t
        for t in discovery.deletion_order()
        if t.name.startswith(AI_TABLE_PREFIX)
        or any(
            link.table is t and link.parent.name.startswith(AI_TABLE_PREFIX)
            for link in discovery.child_tables()
        )
    ]
    return owned + _database_only_ai_tables()


def _database_only_ai_tables() -> list[sa.Table]:
    connection = db.session.connection()
    inspector = sa.inspect(connection)
    known = discovery.metadata().tables
    reflected = sa.MetaData()
    tables: list[sa.Table] = []
    for name in sorted(inspector.get_table_names()):
        if not name.startswith(AI_TABLE_PREFIX) or name in known:
            continue
        if "user_id" not in {c["name"] for c in inspector.get_columns(name)}:
            continue
        # user_id is read as a UUID whatever the backend stores (CHAR(32) on SQLite).
        tables.append(
            sa.Table(name, reflected, sa.Column("user_id", sa.Uuid), autoload_with=connection)
        )
    return tables


def set_consent(user_id: uuid.UUID, data: ConsentInput) -> ConsentRecord | None:
    """Record a choice (only when it changes) and act on it at once; returns the new record."""
    purpose, granted = data.purpose, data.granted
    current = has_consent(user_id, purpose)
    deleted = False
    if purpose == AI and not granted and data.delete_ai_logs:
        deleted = delete_ai_logs_of(user_id) >= 0
    if purpose in AI_FEATURES and not granted and current:
        # Withdrawing a feature's consent deletes what it stored, in the same transaction.
        deleted = delete_feature_data(user_id, purpose) >= 0
    if current == granted and not deleted:
        return None
    if purpose == COMMUNICATIONS:
        # The accounts service owns the setting and writes its history row, whichever page
        # (account, /privacy, one-click unsubscribe) the change comes from.
        from minimin.accounts import services as accounts_services
        from minimin.accounts.inputs import NewsConsentInput
        from minimin.accounts.models import User

        # The signed-in account's own object (the session's identity map hands it back).
        user = db.session.get(User, user_id)
        news_record = (
            accounts_services.set_news_consent(user, NewsConsentInput(news=granted))
            if user is not None
            else None
        )
        if news_record is None:
            return None
        record = news_record
    else:
        record = ConsentRecord(
            user_id=user_id,
            purpose=purpose,
            granted=granted,
            wording_version=WORDING_VERSIONS[purpose],
            deleted_logs=deleted,
        )
        db.session.add(record)
        db.session.flush()
    audit.record(
        f"consent.{purpose}.{'given' if granted else 'withdrawn'}",
        user_id=user_id,
        actor_id=user_id,
        detail={"version": record.wording_version, "deleted_logs": deleted},
    )
    return record


def delete_ai_logs_of(user_id: uuid.UUID) -> int:
    """Delete the user's rows in every AI table; returns how many rows went."""
    from minimin.privacy.deletion import delete_rows

    tables = ai_tables()
    if not tables:
        return 0
    return sum(delete_rows(user_id, tables).values())
