"""Extraction: turn a RawDocument into an Article (main text and metadata)."""
