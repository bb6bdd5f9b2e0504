"""Benchmarks of speed, latency and quality, each run from the repository's root with `python -m bench.NAME`; local_server starts the app for them and for the tests."""
