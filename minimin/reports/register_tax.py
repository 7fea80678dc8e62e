"""Registers the dashboard service's blueprint: VAT returns, MTD and accountant exports."""

from __future__ import annotations

from flask import Flask


def init_tax(app: Flask) -> None:
    from minimin.reports import tax_models, views_export, views_mtd, views_vat  # noqa: F401

    app.register_blueprint(views_vat.bp)
