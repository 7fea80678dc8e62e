"""Minimin: privacy-first bookkeeping for UK sole traders."""

__version__ = "0.1.0"
