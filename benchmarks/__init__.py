"""Benchmarks on generated data at the target scale (60,000 customers, 1M+ follow-ups): `make bench`."""
