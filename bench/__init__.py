"""Benchmarks and evaluations: print figures against a baseline measured in the same run."""
