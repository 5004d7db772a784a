"""`python -m bench.child.timed_import PATHS MODULE`: how long a fresh interpreter takes to import MODULE with PATHS
(folders joined by os.pathsep) first on sys.path. Prints the seconds; a marker on stderr separates what the import
loads from what came before it, for `-X importtime`. Imports nothing a handler would (json, …) before the timer."""

import os
import sys
import time

MARKER = "-- timed import --"

if __name__ == "__main__":
    sys.path[:0] = [path for path in sys.argv[1].split(os.pathsep) if path]
    print(MARKER, file=sys.stderr, flush=True)
    started = time.perf_counter()
    __import__(sys.argv[2])
    print(time.perf_counter() - started)
