"""Contacts: the clients the user invoices and the agencies that book the user."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from minimin.contacts import models  # noqa: F401 - the tables must be in the metadata
