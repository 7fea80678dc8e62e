"""The ceiling: the least a signed-in list page can cost with Minimin's own libraries.

Flask + Flask-Login + Flask-SQLAlchemy on SQLite: the session cookie names the user, the user is
loaded from the database, 50 rows are read and rendered into an HTML table by a Jinja template
that extends a layout. No CSRF, no security headers, no translations, no access classes: what
is left between this and Minimin's ``/invoices`` is Minimin's own work.

``CEILING_DATABASE`` names the SQLite file; ``python -m benchmarks.ceiling_app`` creates it
(one user, 50 invoices). ``GET /signin`` signs the user in (the benchmark keeps the cookie).
"""

from __future__ import annotations

import os
import sys
from datetime import date, timedelta

from flask import Flask, abort, render_template
from flask_login import LoginManager, UserMixin, login_required, login_user
from flask_sqlalchemy import SQLAlchemy
from jinja2 import DictLoader
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()


class User(UserMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "user"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str]


class Invoice(db.Model):  # type: ignore[name-defined]
    __tablename__ = "invoice"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(index=True)
    number: Mapped[str]
    client: Mapped[str]
    issue_date: Mapped[date]
    status: Mapped[str]
    total_pence: Mapped[int]


LAYOUT = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{% block title %}{% endblock %}</title></head><body>
<nav><a href="/">Home</a> <a href="/invoices">Invoices</a> <a href="/jobs">Jobs</a></nav>
<main>{% block main %}{% endblock %}</main></body></html>"""

LIST = """{% extends "layout.html" %}{% block title %}Invoices{% endblock %}{% block main %}
<h1>Invoices</h1><p>Signed in as {{ user.email }}</p>
<table><thead><tr><th>Number</th><th>Client</th><th>Date</th><th>Status</th><th>Total</th>
</tr></thead><tbody>
{% for row in rows %}<tr><td><a href="/invoices/{{ row.id }}">{{ row.number }}</a></td>
<td>{{ row.client }}</td><td>{{ row.issue_date.strftime('%d %b %Y') }}</td>
<td>{{ row.status|capitalize }}</td><td>£{{ '{:,.2f}'.format(row.total_pence / 100) }}</td></tr>
{% endfor %}</tbody></table>{% endblock %}"""

app = Flask(__name__)
app.config.update(
    SECRET_KEY="ceiling benchmark",  # noqa: S106 - a throwaway local server
    SQLALCHEMY_DATABASE_URI=f"sqlite:///{os.environ.get('CEILING_DATABASE', '/tmp/ceiling.db')}",  # noqa: S108
)
db.init_app(app)
login_manager.init_app(app)
# Loaded and compiled once, as Flask does with template files.
app.jinja_loader = DictLoader({"layout.html": LAYOUT, "invoices.html": LIST})


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id))


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/signin")
def signin() -> str:
    user = db.session.get(User, 1)
    if user is None:
        abort(404)
    login_user(user)
    return "signed in"


@app.get("/invoices")
@login_required
def invoices() -> str:
    from flask_login import current_user

    rows = db.session.scalars(
        db.select(Invoice)
        .where(Invoice.user_id == current_user.id)
        .order_by(Invoice.issue_date.desc())
        .limit(50)
    ).all()
    return render_template("invoices.html", user=current_user, rows=rows)


def create(rows: int = 50) -> None:
    """A fresh database at ``CEILING_DATABASE``: one user and *rows* invoices."""
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.session.add(User(id=1, email="ceiling@example.com"))
        start = date(2026, 1, 1)
        db.session.add_all(
            Invoice(
                user_id=1,
                number=f"INV-{i:05d}",
                client=f"Client {i % 60}",
                issue_date=start + timedelta(days=i),
                status=("draft", "sent", "paid")[i % 3],
                total_pence=12_345 * (i + 1),
            )
            for i in range(rows)
        )
        db.session.commit()


if __name__ == "__main__":
    create(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
