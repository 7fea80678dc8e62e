"""How long each kind of data is kept, and the purge that enforces it.

:data:`SCHEDULE` is the one list behind the retention table of docs/privacy.md, the retention
section of the privacy policy (minimin/pages) and :func:`purge`, run by the periodic job
``privacy-retention`` (privacy/tasks.py). Each rule works on tables found by name in the models'
metadata, as the rest of privacy does, so this package imports no feature model.

Financial records (invoices, expenses, bank transactions, the ledger, tax figures) of a live
account are never removed here: HMRC requires them to be kept for 5 years after the 31 January
filing deadline of their tax year, and only their owner knows when the business has stopped. They
go with the account when it is deleted (privacy/deletion.py), so the user exports them first.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from minimin.core.db import utcnow
from minimin.extensions import db
from minimin.privacy import discovery

UNVERIFIED_ACCOUNTS = timedelta(days=7)
ENDED_SESSIONS = timedelta(days=30)
SPENT_TOKENS = timedelta(days=30)
EMAIL_BODIES = timedelta(days=90)
AUDIT_LOGS = timedelta(days=2 * 365 + 1)
#: How long an API answer is replayed to a retry with the same key (api/idempotency.py).
API_ANSWERS = timedelta(hours=24)
#: The idle limit after which a session has ended even if never signed out (accounts/auth.py).
SESSION_IDLE = timedelta(days=30)
#: Rows changed per statement (an IN list within every database's limit on parameters), and
#: per transaction for the rules that commit as they go.
BATCH = 500
#: Email states after which nothing more will be sent (core/mail.py).
EMAIL_FINISHED = ("sent", "failed")
#: Bank statement import states after which the file has done its work.
IMPORT_FINISHED = ("done", "failed")


#: Called by a batched rule after each batch: commits it (the periodic job passes the real
#: commit), so a long purge holds no lock for long and keeps only one batch in memory.
Commit = Callable[[], None]


@dataclass(frozen=True)
class Rule:
    key: str
    what: str
    kept: str
    purge: Callable[[datetime, Commit], int] | None


def _single(purge: Callable[[datetime], int]) -> Callable[[datetime, Commit], int]:
    """A rule done in a few statements in the caller's transaction (it commits nothing)."""

    def run(now: datetime, commit: Commit) -> int:
        return purge(now)

    return run


def _nothing() -> None:
    """Commit nothing: every batch stays in the caller's transaction."""


def _table(name: str) -> sa.Table:
    return discovery.metadata().tables[name]


def _execute(statement: sa.Executable) -> int:
    # A DML statement's result is a CursorResult (rowcount), typed as Result.
    return int(db.session.execute(statement).rowcount or 0)  # type: ignore[attr-defined]


def purge_unverified_accounts(now: datetime) -> int:
    """Accounts whose email address was never confirmed, 7 days after signing up, with all
    their rows and files (the ordinary deletion)."""
    from minimin.privacy.deletion import delete_account

    user = _table(discovery.USER_TABLE)
    stale = list(
        db.session.scalars(
            sa.select(user.c.id).where(
                user.c.email_verified_at.is_(None), user.c.created_at <= now - UNVERIFIED_ACCOUNTS
            )
        )
    )
    for user_id in stale:
        delete_account(uuid.UUID(str(user_id)))
    return len(stale)


def purge_sessions(now: datetime) -> int:
    """Sessions 30 days after they ended: signed out, or idle past the idle limit."""
    sessions = _table("user_session")
    cutoff = now - ENDED_SESSIONS
    return _execute(
        sa.delete(sessions).where(
            sa.or_(
                sessions.c.revoked_at <= cutoff,
                sessions.c.last_seen_at <= cutoff - SESSION_IDLE,
            )
        )
    )


def purge_tokens(now: datetime) -> int:
    """Email links and passkey challenges 30 days after they were used or expired."""
    cutoff = now - SPENT_TOKENS
    tokens = _table("account_token")
    challenges = _table("passkey_challenge")
    return _execute(
        sa.delete(tokens).where(sa.or_(tokens.c.used_at <= cutoff, tokens.c.expires_at <= cutoff))
    ) + _execute(sa.delete(challenges).where(challenges.c.expires_at <= cutoff))


def purge_api_answers(now: datetime) -> int:
    """Answers kept for API requests sent with an ``Idempotency-Key``, once a retry can no
    longer be answered from them (a day)."""
    answers = _table("api_idempotent_request")
    return _execute(sa.delete(answers).where(answers.c.created_at <= now - API_ANSWERS))


def purge_email_bodies(now: datetime) -> int:
    """The words and attachments of emails after 90 days; the log line (when, to whom, the
    subject, whether it was delivered) stays."""
    emails = _table("outbound_email")
    # Written raw, as core/mail.py empties a delivered email's attachments: an empty value.
    attachments = sa.table(
        "outbound_attachment", sa.column("email_id", sa.Uuid), sa.column("content", sa.LargeBinary)
    )
    ids = list(
        db.session.scalars(
            sa.select(emails.c.id).where(
                emails.c.created_at <= now - EMAIL_BODIES,
                emails.c.status.in_(EMAIL_FINISHED),
                sa.or_(
                    emails.c.text_body != "",
                    emails.c.html_body.is_not(None),
                    emails.c.sealed.is_not(None),
                ),
            )
        )
    )
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        db.session.execute(
            sa.update(emails)
            .where(emails.c.id.in_(batch))
            .values(text_body="", html_body=None, sealed=None)
        )
        db.session.execute(
            attachments.update().where(attachments.c.email_id.in_(batch)).values(content=b"")
        )
    return len(ids)


def purge_statement_files(now: datetime, commit: Commit = _nothing) -> int:
    """Uploaded bank statements once their import has finished: the transactions are read.

    In batches of :data:`BATCH`, each committed by *commit* with its files listed for removal
    (``pending_file_deletion``), so a crash part-way loses nothing and the next run goes on."""
    from minimin.privacy.deletion import schedule_file_deletions

    jobs = _table("bank_import_job")
    files = _table("stored_file")
    removed = 0
    while True:
        # A done batch no longer matches (its jobs hold no file), so each read is the next one.
        rows = db.session.execute(
            sa.select(jobs.c.id, files.c.id, files.c.storage_key)
            .join(files, files.c.id == jobs.c.file_id)
            .where(jobs.c.status.in_(IMPORT_FINISHED))
            .limit(BATCH)
        ).all()
        if not rows:
            return removed
        job_ids = [r[0] for r in rows]
        file_ids = [r[1] for r in rows]
        db.session.execute(sa.update(jobs).where(jobs.c.id.in_(job_ids)).values(file_id=None))
        db.session.execute(sa.delete(files).where(files.c.id.in_(file_ids)))
        schedule_file_deletions([str(r[2]) for r in rows])
        removed += len(rows)
        commit()
        if len(rows) < BATCH:
            return removed


def purge_audit_logs(now: datetime) -> int:
    """Audit and security events after 2 years."""
    audit = _table("audit_event")
    return _execute(sa.delete(audit).where(audit.c.created_at <= now - AUDIT_LOGS))


def purge_accountant_zips(now: datetime, commit: Commit = _nothing) -> int:
    """The ZIP of an accountant export once every link to it has expired or been revoked (the
    record of the export stays; the user can build it again). In batches, as
    :func:`purge_statement_files`."""
    from minimin.privacy.deletion import schedule_file_deletions

    jobs = _table("export_job")
    shares = _table("export_share")
    live = sa.select(shares.c.id).where(
        shares.c.export_job_id == jobs.c.id,
        shares.c.expires_at > now,
        shares.c.revoked_at.is_(None),
    )
    shared = sa.select(shares.c.id).where(shares.c.export_job_id == jobs.c.id)
    removed = 0
    while True:
        rows = db.session.execute(
            sa.select(jobs.c.id, jobs.c.file_key)
            .where(jobs.c.file_key.is_not(None), sa.exists(shared), ~sa.exists(live))
            .limit(BATCH)
        ).all()
        if not rows:
            return removed
        db.session.execute(
            sa.update(jobs).where(jobs.c.id.in_([r[0] for r in rows])).values(file_key=None)
        )
        schedule_file_deletions([str(r[1]) for r in rows])
        removed += len(rows)
        commit()
        if len(rows) < BATCH:
            return removed


#: The retention schedule, in the order the policy page shows it.
SCHEDULE: tuple[Rule, ...] = (
    Rule(
        "unverified",
        _l("Accounts whose email address was never confirmed"),
        _l("7 days after signing up, then deleted with everything in them"),
        _single(purge_unverified_accounts),
    ),
    Rule(
        "sessions",
        _l("Signed-in sessions (device and browser)"),
        _l("30 days after the session ended"),
        _single(purge_sessions),
    ),
    Rule(
        "tokens",
        _l("Links sent by email (verification, password reset) and passkey challenges"),
        _l("30 days after they were used or expired"),
        _single(purge_tokens),
    ),
    Rule(
        "api_answers",
        _l("Answers kept for API requests sent with an Idempotency-Key"),
        _l("1 day"),
        _single(purge_api_answers),
    ),
    Rule(
        "email_bodies",
        _l("The text and attachments of emails sent for you"),
        _l("90 days; the log line (date, recipient, subject, delivery) stays"),
        _single(purge_email_bodies),
    ),
    Rule(
        "statements",
        _l("Uploaded bank statement files"),
        _l("Until their import has finished; the transactions read from them stay"),
        purge_statement_files,
    ),
    Rule(
        "audit",
        _l("Audit and security logs"),
        _l("2 years"),
        _single(purge_audit_logs),
    ),
    Rule(
        "accountant_zips",
        _l("ZIP files shared with your accountant"),
        _l("Until every link to them has expired"),
        purge_accountant_zips,
    ),
    Rule(
        "exports",
        _l("Your own data exports"),
        _l("7 days"),
        None,  # privacy/export.py:expire_exports, its own periodic job
    ),
    Rule(
        "financial",
        _l("Financial records (invoices, expenses, bank transactions, ledger, tax figures)"),
        _l(
            "At least 5 years after the 31 January filing deadline of their tax year, as HMRC "
            "requires. Minimin never deletes them from a live account; they go with the "
            "account when you delete it, so export them first."
        ),
        None,
    ),
)


def purge(now: datetime | None = None, *, commit: Commit = _nothing) -> dict[str, int]:
    """Apply every rule of :data:`SCHEDULE` as of *now*; returns rows removed per rule. Adds to
    the current transaction; the batched rules call *commit* after each batch (by default it
    commits nothing, and everything stays in the caller's transaction)."""
    moment = now or utcnow()
    return {rule.key: rule.purge(moment, commit) for rule in SCHEDULE if rule.purge is not None}
