"""Scale benchmarks: ingest and search throughput on a large corpus."""
