"""Times Meta's vpdq (0.2.5 from PyPI) for vigie-bench vpdq.

For each line `SECONDS_PER_HASH PATH` on stdin: one call of vpdq.computeHash on that file with
that setting and one hashing thread (thread_count=1; its decoder is FFmpeg's libavcodec, linked
in), timed inside Python (wall clock, and the process's CPU time, all its threads), so the
interpreter's start-up is not counted. Prints one JSON line per call, with the features.
"""
import json
import resource
import sys
import time

import vpdq


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    seconds, path = line.split(" ", 1)
    cpu0, t0 = cpu_seconds(), time.perf_counter()
    features = vpdq.computeHash(path, seconds_per_hash=float(seconds), thread_count=1)
    wall, cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
    print(json.dumps({
        "path": path,
        "seconds_per_hash": float(seconds),
        "wall_s": wall,
        "cpu_s": cpu,
        "features": [[f.frame_number, f.hex, f.quality, f.timestamp] for f in features],
    }), flush=True)
