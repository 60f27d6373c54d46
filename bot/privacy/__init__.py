"""Minimum data: redaction before anything is stored or logged, erasure, and the retention purge."""
