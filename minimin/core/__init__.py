"""Shared mechanisms with no feature logic (see docs/architecture.md)."""
