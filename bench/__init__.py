"""Benchmarks (not part of the test run): `bench.suite` is the suite behind `harness bench`."""
