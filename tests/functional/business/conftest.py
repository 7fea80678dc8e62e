"""Fixtures for business profile journeys: a signed-in user and helpers to read the profile."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa


@pytest.fixture
def user(make_user: Any) -> Any:
    return make_user()


@pytest.fixture
def signed_in(client: Any, user: Any, login: Any) -> Any:
    login(client, user)
    return client


@pytest.fixture
def profile_of(app: Any) -> Any:
    """Read a user's stored profile in a fresh session (what is really in the database)."""
    from minimin.business.models import BusinessProfile
    from minimin.extensions import db

    def read(user: Any) -> BusinessProfile | None:
        with app.app_context():
            db.session.remove()
            profile = db.session.scalar(
                sa.select(BusinessProfile).where(BusinessProfile.user_id == user.id)
            )
            if profile is not None:
                db.session.expunge(profile)
            return profile

    return read
