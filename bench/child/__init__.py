"""Programs the benchmarks run in a fresh interpreter (`python -m bench.child.<name>`), to measure a cold process."""
