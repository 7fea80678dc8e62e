"""The journal: every money event posts one balanced double-entry entry, exactly once, and
every report reads its figures from here.

- :mod:`~minimin.ledger.entries` lines and postings as plain values (pure);
- :mod:`~minimin.ledger.accounts` the chart of accounts (pure);
- :mod:`~minimin.ledger.rules` the posting rules of each kind of document (pure);
- :mod:`~minimin.ledger.sources` each kind of document read from the database and handed to its
  rule, and the models whose changes touch it;
- :mod:`~minimin.ledger.posting` keeping the journal equal to the documents (reversal and new
  version on change), closed periods;
- :mod:`~minimin.ledger.queries` sums for the reports; :mod:`~minimin.ledger.check` the proofs
  behind ``minimin ledger check``;
- :mod:`~minimin.ledger.labels` accounts and lines in words, "How this is counted";
  :mod:`~minimin.ledger.export` the trial balance, general ledger, journal CSV and beancount
  file; :mod:`~minimin.ledger.views` their pages at ``/ledger``.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from minimin.ledger import models  # noqa: F401 - the tables
    from minimin.ledger.cli import ledger_command
    from minimin.ledger.sources import register_sources
    from minimin.ledger.views import init_views

    register_sources()
    app.cli.add_command(ledger_command)
    # The accountant's pages (/ledger) and "How this is counted" on document pages.
    init_views(app)
