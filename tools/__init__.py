"""Benchmarks and evaluation (`make bench`, `make eval`): run from the repo, never shipped with Haven."""
