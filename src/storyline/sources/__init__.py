"""Sources: where documents come from. Each yields RawDocuments, and IngestErrors for what it cannot read."""

from storyline.sources.files import DEFAULT_MAX_DOCUMENT_BYTES, Upload, expand_paths, read_path, read_upload

__all__ = ["DEFAULT_MAX_DOCUMENT_BYTES", "Upload", "expand_paths", "read_path", "read_upload"]
