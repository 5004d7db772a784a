"""`python -m bench [--quick]`: every benchmark of issue 8, side by side, as a table and bench/results.json."""

from bench.suite import main

main()
