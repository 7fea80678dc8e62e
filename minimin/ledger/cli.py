"""``minimin ledger check`` and ``minimin ledger post``."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext


@click.group("ledger")
def ledger_command() -> None:
    """The journal: check that the books are whole, post what is missing."""


@ledger_command.command("check")
@with_appcontext
def check_command() -> None:
    """Trial balance zero, every document posted once and as it says, no entry without its
    document. Exits 1 on any problem."""
    from minimin.extensions import db
    from minimin.ledger.check import check

    report = check(db.session())
    for problem in report.problems[:200]:
        click.echo(problem)
    click.echo(
        f"{report.users} accounts, {report.documents} documents, {report.entries} entries: "
        + ("books balance" if report.ok else f"{len(report.problems)} problems")
    )
    db.session.rollback()
    if not report.ok:
        sys.exit(1)


@ledger_command.command("post")
@with_appcontext
def post_command() -> None:
    """Post every document whose entry is missing or out of date (reversing the old entry)."""
    from minimin.extensions import db
    from minimin.ledger.check import post_all

    changed = post_all(db.session())
    db.session.commit()
    click.echo(f"{changed} documents posted")
