"""Every error storyline raises on purpose, under one base: `except StorylineError` catches them all.

Bad input is not an exception but data (`model.IngestError`, recorded by the store); these are for
what stops a call: a store that cannot be opened, a component that is not available, a bad argument.
"""

from __future__ import annotations


class StorylineError(Exception):
    """Base of storyline's own errors."""


class ConfigurationError(StorylineError, ValueError):
    """A setting, flag or argument that cannot work (an unknown backend, a malformed URL): fix the call."""


class StoreError(StorylineError, RuntimeError):
    """The database cannot be opened, is not a storyline store, or stayed busy too long."""


class CursorError(StorylineError, ValueError):
    """A cursor this query did not hand out (from another list, edited, or from an older version)."""


class ExtractionError(StorylineError, ValueError):
    """A document holds no article text that can be extracted."""


class BinaryContentError(StorylineError, ValueError):
    """A document is binary data (an image, an archive, a PDF), not text or HTML."""


class EmbedderError(ConfigurationError):
    """An embedder cannot be made: its package is not installed, or its model is not there."""


class LLMError(StorylineError, RuntimeError):
    """The chat endpoint of the optional LLM claim extractor could not be reached or answered off-schema: a
    component failing while running (a re-run goes on), not a configuration error."""
