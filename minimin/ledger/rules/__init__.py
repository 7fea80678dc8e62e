"""Posting rules: pure functions from a document's facts to the entry it posts."""
