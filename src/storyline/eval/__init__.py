"""Evaluation as a library: the benchmark datasets and their metrics (used by benchmarks/ and the quality gates)."""
