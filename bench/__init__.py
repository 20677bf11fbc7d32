"""Benchmarks that print comparison tables (see bench/README.md)."""
