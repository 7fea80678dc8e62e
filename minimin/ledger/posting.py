"""Posting: keeping each source document's entry in the journal equal to what the document
says, exactly once.

A feature registers each kind of source document (:func:`source`): a *poster* that, given a
session and the document's id, returns the :class:`~minimin.ledger.entries.Posting` the
document makes now (``None`` when it makes none: a draft, a deleted or voided document), and the
models whose changes touch it (:func:`watch`). Every flush notes the documents touched; before
the transaction commits, :func:`settle` compares each one's posting with the entry in force and,
when they differ, posts a reversal of the old entry and the new one. So no service can change a
money document without its posting following, in the same transaction, and a document is
posted once whatever path changed it (a page, a webhook, a bank match, a background job).

A service that wants a refusal (a closed period) shown as a form error calls :func:`settle`
itself before it returns; the commit-time settle is the safety net.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import os
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, joinedload

from minimin.core.db import utcnow
from minimin.core.user_error import UserError
from minimin.ledger.entries import Line, Posting, compact, reversed_lines, same_lines
from minimin.ledger.models import JournalEntry, JournalLine, LedgerAccount, PeriodLock

log = logging.getLogger(__name__)

Poster = Callable[[Session, uuid.UUID], Posting | None]
#: Lists the ids of every document of a kind a user has that posts (for checks and backfill).
Lister = Callable[[Session, uuid.UUID], Iterable[uuid.UUID]]
#: Maps a changed object of a watched model to the (kind, id) of the documents it touches.
Touches = Callable[[Any], Iterable[tuple[str, uuid.UUID | None]]]
#: A family's own proof that a user's books are whole (beyond each document's entry): the
#: problems it finds, in words.
Proof = Callable[[Session, uuid.UUID], Iterable[str]]

_posters: dict[str, Poster] = {}
_proofs: list[Proof] = []
_listers: dict[str, Lister] = {}
_watched: dict[type, list[Touches]] = {}
_TOUCHED_KEY = "minimin_ledger_touched"
_ACCOUNTS_KEY = "minimin_ledger_accounts"
_SETTLING_KEY = "minimin_ledger_settling"


class LedgerError(UserError):
    """A posting refused: a closed period, an unknown source."""


def source(kind: str, poster: Poster, lister: Lister) -> None:
    """Register *poster* for documents of *kind*; *lister* names a user's documents of that
    kind that may post (the check and the backfill go through them)."""
    _posters[kind] = poster
    _listers[kind] = lister


def poster_for(kind: str) -> Poster:
    return _posters[kind]


def lister_for(kind: str) -> Lister:
    return _listers[kind]


def proof(check: Proof) -> None:
    """Have ``minimin ledger check`` run *check* for each user too."""
    if check not in _proofs:
        _proofs.append(check)


def proofs() -> tuple[Proof, ...]:
    return tuple(_proofs)


def watch(model: type, touches: Touches) -> None:
    """Changes to rows of *model* touch the documents *touches(row)* names."""
    _watched.setdefault(model, []).append(touches)


def touch(session: Session, user_id: uuid.UUID, kind: str, source_id: uuid.UUID) -> None:
    """Mark a document to be settled before commit (for changes the ORM does not see)."""
    session.connection()  # begin the transaction if need be: a rollback forgets what it touched
    touched: set[tuple[uuid.UUID, str, uuid.UUID]] = session.info.setdefault(_TOUCHED_KEY, set())
    touched.add((user_id, kind, source_id))


def registered_kinds() -> tuple[str, ...]:
    return tuple(sorted(_posters))


# --------------------------------------------------------------------------- what is in force


@dataclass(frozen=True)
class InForce:
    """The entry in force for a document, and the next version number."""

    entry: JournalEntry | None
    next_version: int


def in_force(session: Session, user_id: uuid.UUID, kind: str, source_id: uuid.UUID) -> InForce:
    # The lines come in the same statement (the live entry's are compared with the posting).
    entries = list(
        session.scalars(
            sa.select(JournalEntry)
            .where(
                JournalEntry.user_id == user_id,
                JournalEntry.source_kind == kind,
                JournalEntry.source_id == source_id,
            )
            .options(joinedload(JournalEntry.lines))
            .order_by(JournalEntry.version)
        ).unique()
    )
    if not entries:
        return InForce(None, 1)
    reversed_ids = {e.reverses_id for e in entries if e.reverses_id is not None}
    live = [e for e in entries if e.reverses_id is None and e.id not in reversed_ids]
    return InForce(live[-1] if live else None, entries[-1].version + 1)


def lines_of(entry: JournalEntry) -> tuple[Line, ...]:
    return tuple(
        Line(
            account=ln.account,
            amount=ln.amount_pence,
            basis=ln.basis,
            client_id=ln.client_id,
            agency_id=ln.agency_id,
            job_id=ln.job_id,
            vat_code=ln.vat_code,
            memo=ln.memo,
        )
        for ln in entry.lines
    )


# --------------------------------------------------------------------------- closed periods


def locked_through(session: Session, user_id: uuid.UUID) -> dt.date | None:
    """The last day of the user's closed periods: the latest filed VAT return's end or the
    year the user closed, whichever is later."""
    from minimin.reports.tax_models import VATReturn

    # One round trip for both.
    filed, closed = session.execute(
        sa.select(
            sa.select(sa.func.max(VATReturn.period_end))
            .where(VATReturn.user_id == user_id)
            .scalar_subquery(),
            sa.select(PeriodLock.locked_through)
            .where(PeriodLock.user_id == user_id)
            .scalar_subquery(),
        )
    ).one()
    dates = [d for d in (filed, closed) if d is not None]
    return max(dates) if dates else None


def ensure_open(session: Session, user_id: uuid.UUID, day: dt.date) -> None:
    """Refuse (:class:`LedgerError`) a change dated *day* in a closed period."""
    through = locked_through(session, user_id)
    if through is not None and day <= through:
        from flask_babel import lazy_gettext as _l

        raise LedgerError(
            _l(
                "The books are closed up to %(date)s (a VAT return has been filed for that "
                "period). Date the change after it, or record a correction today.",
                date=through.strftime("%d/%m/%Y"),
            ),
            "date",
            code="period_locked",
        )


# --------------------------------------------------------------------------- writing entries


def _ensure_accounts(session: Session, user_id: uuid.UUID, codes: Iterable[str]) -> None:
    known: dict[uuid.UUID, set[str]] = session.info.setdefault(_ACCOUNTS_KEY, {})
    if user_id not in known:
        known[user_id] = set(
            session.scalars(sa.select(LedgerAccount.code).where(LedgerAccount.user_id == user_id))
        )
    for code in sorted(set(codes) - known[user_id]):
        session.add(LedgerAccount(user_id=user_id, code=code))
        known[user_id].add(code)


def _write(
    session: Session,
    user_id: uuid.UUID,
    kind: str,
    source_id: uuid.UUID,
    version: int,
    posting: Posting,
    reverses: JournalEntry | None = None,
    through: dt.date | None = None,
) -> JournalEntry:
    day = _open_date(posting.date, through)
    entry = JournalEntry(
        id=uuid.uuid4(),
        user_id=user_id,
        source_kind=kind,
        source_id=source_id,
        version=version,
        date=day,
        moved_from=posting.date if day != posting.date else None,
        currency=posting.currency,
        description=posting.description[:300],
        reverses_id=reverses.id if reverses is not None else None,
    )
    session.add(entry)
    _ensure_accounts(session, user_id, (line.account for line in posting.lines))
    for position, line in enumerate(posting.lines):
        session.add(
            JournalLine(
                user_id=user_id,
                entry_id=entry.id,
                position=position,
                date=day,
                currency=posting.currency,
                account=line.account,
                amount_pence=line.amount,
                basis=line.basis,
                client_id=line.client_id,
                agency_id=line.agency_id,
                job_id=line.job_id,
                vat_code=line.vat_code,
                memo=line.memo[:300],
            )
        )
    return entry


def _open_date(day: dt.date, through: dt.date | None) -> dt.date:
    """A posting into a closed period goes on the first open day (a correction on the next
    return, as HMRC asks for errors below its threshold)."""
    if through is not None and day <= through:
        return through + dt.timedelta(days=1)
    return day


def sync(
    session: Session,
    user_id: uuid.UUID,
    kind: str,
    source_id: uuid.UUID,
    *,
    history: bool = False,
) -> bool:
    """Make the journal say what document (*kind*, *source_id*) says now. Returns whether an
    entry was written. *history* posts on the documents' own dates even in closed periods: for
    the first posting of records that were there before the journal (their filed returns
    already counted them), never for a change."""
    poster = _posters.get(kind)
    if poster is None:
        raise LedgerError(f"no posting rule for {kind!r}", code="unknown_source")
    wanted = poster(session, source_id)
    current = in_force(session, user_id, kind, source_id)
    if wanted is not None:
        wanted = replace(wanted, lines=compact(wanted.lines))
        if not wanted.lines:
            wanted = None
    old = current.entry
    if old is None and wanted is None:
        return False
    if (
        old is not None
        and wanted is not None
        and (old.moved_from or old.date) == wanted.date
        and old.currency == wanted.currency
        and same_lines(lines_of(old), wanted.lines)
    ):
        return False
    through = None if history and old is None else locked_through(session, user_id)
    version = current.next_version
    if old is not None:
        reversal = Posting(
            # A reversal belongs where the entry it cancels belongs (a moved entry: the closed
            # day it corrects), so a correction corrected again nets out in that period.
            date=old.moved_from or old.date,
            description=f"Reversal: {old.description}"[:300],
            lines=reversed_lines(lines_of(old)),
            currency=old.currency,
        )
        _write(session, user_id, kind, source_id, version, reversal, old, through)
        version += 1
    if wanted is not None:
        _write(session, user_id, kind, source_id, version, wanted, through=through)
    session.flush()
    return True


def settle(session: Session) -> int:
    """Post every document touched in this transaction whose posting changed. Returns how many
    entries changed. Safe to call any number of times."""
    if session.info.get(_SETTLING_KEY):
        return 0
    session.info[_SETTLING_KEY] = True
    try:
        session.flush()
        changed = 0
        while True:
            touched: set[tuple[uuid.UUID, str, uuid.UUID]] = session.info.pop(_TOUCHED_KEY, set())
            if not touched:
                break
            for user_id, kind, source_id in sorted(
                touched, key=lambda t: (str(t[0]), t[1], str(t[2]))
            ):
                changed += sync(session, user_id, kind, source_id)
            session.flush()
        return changed
    finally:
        session.info[_SETTLING_KEY] = False


# --------------------------------------------------------------------------- in bulk

_ENTRY_COLUMNS = (
    "id",
    "user_id",
    "source_kind",
    "source_id",
    "version",
    "date",
    "moved_from",
    "currency",
    "description",
    "posted_at",
)
_LINE_COLUMNS = (
    "id",
    "user_id",
    "entry_id",
    "position",
    "date",
    "currency",
    "account",
    "amount_pence",
    "basis",
    "client_id",
    "agency_id",
    "job_id",
    "vat_code",
    "memo",
)


def post_new(
    session: Session,
    user_id: uuid.UUID,
    kind: str,
    items: Iterable[tuple[uuid.UUID, Posting]],
) -> int:
    """Post the first version of many new documents of *kind* at once: ``(source id,
    posting)`` pairs of documents that have no entry yet (rows just added in bulk, which the
    ORM does not see, so nothing touches them). Written with one statement per table, not one
    ORM object per row. Returns how many entries were written. The unique key still refuses a
    document posted twice."""
    through = locked_through(session, user_id)
    now = utcnow()
    entries: list[tuple[Any, ...]] = []
    lines: list[tuple[Any, ...]] = []
    codes: set[str] = set()
    ids = sequential_ids()
    for source_id, wanted in items:
        wanted_lines = compact(wanted.lines)
        if not wanted_lines:
            continue
        entry_id = next(ids)
        day = _open_date(wanted.date, through)
        moved = wanted.date if day != wanted.date else None
        description = wanted.description[:300]
        entries.append(
            (entry_id, user_id, kind, source_id, 1, day, moved, wanted.currency, description, now)
        )
        for position, line in enumerate(wanted_lines):
            codes.add(line.account)
            lines.append(
                (
                    next(ids),
                    user_id,
                    entry_id,
                    position,
                    day,
                    wanted.currency,
                    line.account,
                    line.amount,
                    line.basis,
                    line.client_id,
                    line.agency_id,
                    line.job_id,
                    line.vat_code,
                    line.memo[:300],
                )
            )
    if not entries:
        return 0
    _ensure_accounts(session, user_id, codes)
    # The first entry goes through the ORM so that the change counters (which watch ORM
    # statements) note that the journal changed; the rest straight through the driver.
    session.execute(sa.insert(JournalEntry), [dict(zip(_ENTRY_COLUMNS, entries[0], strict=True))])
    _insert_many(session, JournalEntry.__table__, _ENTRY_COLUMNS, entries[1:])
    _insert_many(session, JournalLine.__table__, _LINE_COLUMNS, lines)
    return len(entries)


def sequential_ids() -> Iterator[uuid.UUID]:
    """Fresh ids in ascending order (a UUIDv7 layout: the time in milliseconds, a sequence
    number, then 62 random bits), for rows added in bulk: each lands at the end of its
    indexes instead of at a random page, which makes a large insert several times cheaper.
    The random bits are drawn from the system's secure source a block at a time."""
    start = time.time_ns() // 1_000_000
    block: list[int] = []
    for sequence in itertools.count():
        if not block:
            pool = os.urandom(8 * 4096)
            block = [int.from_bytes(pool[i : i + 8]) >> 2 for i in range(0, len(pool), 8)]
        millis, counter = start + (sequence >> 12), sequence & 0xFFF
        value = (millis & (2**48 - 1)) << 80 | 0x7 << 76 | counter << 64 | 0b10 << 62
        yield uuid.UUID(int=value | block.pop())


#: COPY's text format: backslash escapes for the characters that end a value or a row.
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_texts(values: list[Any], process: Any) -> list[str]:
    """One column's values as COPY text (``\\N`` for NULL)."""
    if process is not None:
        values = [process(v) for v in values]
    out = []
    for value in values:
        if value is None:
            out.append("\\N")
        elif isinstance(value, str):
            out.append(value.translate(COPY_ESCAPES))
        elif isinstance(value, uuid.UUID):
            out.append(value.hex)  # PostgreSQL reads the 32 digits without hyphens
        elif isinstance(value, dt.date):
            out.append(value.isoformat())
        else:  # numbers
            out.append(str(value))
    return out


def copy_into(
    connection: Any,
    target: str,
    columns: tuple[str, ...],
    rows: list[Any],
    processors: list[Any] | None = None,
    *,
    formatted: bool = False,
) -> None:
    """PostgreSQL: write *rows* (tuples in the order of *columns*) into the table *target* by
    COPY in text format: the server parses plain text far faster than the driver can adapt
    hundreds of thousands of parameters. *processors* (one per column, or ``None``) are the
    columns' bind processors, applied first. *formatted*: the rows are lines of COPY text
    already (each ending with a newline), as a caller that knows its columns builds them in
    one f-string each."""
    if formatted:
        data = "".join(rows)
    else:
        text_columns = [
            _copy_texts([row[i] for row in rows], (processors or [None] * len(columns))[i])
            for i in range(len(columns))
        ]
        data = "".join(f"{line}\n" for line in map("\t".join, zip(*text_columns, strict=True)))
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {target} ({', '.join(columns)}) FROM STDIN") as copy:
        copy.write(data)


def _insert_many(
    session: Session, table: Any, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """INSERT *rows* (tuples in the order of *columns*) into *table* without building a
    statement or an object per row: PostgreSQL by COPY (:func:`copy_into`), other databases
    by the driver's executemany; values go through each column's bind processor."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    processors = [
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns
    ]
    if dialect.name == "postgresql":
        copy_into(connection, table.name, columns, rows, processors)
        return
    compiled = table.insert().compile(dialect=dialect, column_keys=list(columns))
    order = [columns.index(name) for name in (compiled.positiontup or columns)]
    processed = [
        tuple(processors[i](row[i]) if processors[i] else row[i] for i in order) for row in rows
    ]
    connection.exec_driver_sql(str(compiled), processed)


# --------------------------------------------------------------------------- session events


@event.listens_for(Session, "after_flush")
def _note_touched(session: Session, flush_context: Any) -> None:
    if not _watched:
        return
    touched: set[tuple[uuid.UUID, str, uuid.UUID]] = session.info.setdefault(_TOUCHED_KEY, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        for touches in _watched.get(type(obj), ()):
            user_id = getattr(obj, "user_id", None)
            if user_id is None:
                continue
            for kind, source_id in touches(obj):
                if source_id is not None:
                    touched.add((user_id, kind, source_id))


def _settle_before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return
    settle(session)


def _forget(session: Session, *args: Any) -> None:
    # SQLAlchemy sends after_commit for a savepoint released too (begin_nested): the
    # documents touched so far are still to be settled when the outer transaction commits.
    if session.in_nested_transaction():
        return
    session.info.pop(_TOUCHED_KEY, None)
    session.info.pop(_ACCOUNTS_KEY, None)


def _forget_on_rollback(session: Session, previous_transaction: Any) -> None:
    # Accounts added inside a rolled-back savepoint are gone: read them again next time.
    session.info.pop(_ACCOUNTS_KEY, None)
    if not previous_transaction.nested:
        session.info.pop(_TOUCHED_KEY, None)


# Settle first, so that the change counters (raised by another before_commit listener) count
# the entries written here.
event.listen(Session, "before_commit", _settle_before_commit, insert=True)
event.listen(Session, "after_soft_rollback", _forget_on_rollback)
event.listen(Session, "after_commit", _forget)
