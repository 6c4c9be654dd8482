"""Benchmarks: segmentation speed, ingest with indexing, search and trend latency against a LIKE scan."""
