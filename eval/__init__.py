"""Evaluations and benchmarks: `quality/` (on public data sets) and `load/` (throughput, latency, faults)."""
