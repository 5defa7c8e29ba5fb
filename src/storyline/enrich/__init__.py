"""Enrichment: what an article says (language now; entities, claims and embeddings later)."""
