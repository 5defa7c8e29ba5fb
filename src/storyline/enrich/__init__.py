"""Enrichment: what an article says: entities, claims, embeddings, MinHash signatures."""
