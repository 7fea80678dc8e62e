"""``minimin create-admin --email ADDRESS``: make an account an administrator."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext


def register(app: Flask) -> None:
    @app.cli.command("create-admin")
    @click.option("--email", required=True, help="The administrator's email address.")
    @click.password_option(help="The password (asked for when not given).")
    @with_appcontext
    def create_admin(email: str, password: str) -> None:
        """Create an administrator, or make an existing account one.

        On first sign-in the administrator must add a passkey; the admin area then needs a
        passkey sign-in within the last 12 hours.
        """
        from minimin.accounts import services
        from minimin.accounts.passwords import password_problem
        from minimin.admin import views_sql
        from minimin.core import audit
        from minimin.core.db import Base, utcnow
        from minimin.extensions import db

        user = services.find_user_by_email(email)
        if user is None:
            problem = password_problem(password, [email])
            if problem:
                raise click.ClickException(problem)
            user_table = db.metadata.tables["user"]
            user_class = next(
                m.class_ for m in Base.registry.mappers if m.local_table is user_table
            )
            user = user_class(
                email=email.strip(),
                email_key=services.email_key(email),
                full_name=email.split("@", 1)[0][:200],
                password_hash=services.hash_password(password),
                email_verified_at=utcnow(),
                is_admin=True,
            )
            db.session.add(user)
            db.session.flush()
            click.echo("Administrator account created.")
        else:
            if not services.check_password(user, password):
                raise click.ClickException("That is not the password of the existing account.")
            user.is_admin = True
            click.echo("The existing account is now an administrator.")
        audit.record("admin.created", subject=user.id)
        db.session.commit()
        with db.engine.begin() as connection:
            views_sql.ensure_views(connection)
        click.echo("Sign in, add a passkey, then sign in with the passkey to open /admin.")
