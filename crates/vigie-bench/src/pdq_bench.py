"""Times Meta's PDQ as python-threatexchange runs it, for vigie-bench pdq.

For each image path on stdin: pdqhash.compute on the already-decoded array (pixels to hash),
pytx's pdq_from_file (file to hash, Pillow decoding included) and the decoding alone.
Prints one JSON line per file with median seconds per call.
"""
import json
import statistics
import sys
import time

import pdqhash
from PIL import Image
from threatexchange.signal_type.pdq import pdq_hasher


def median_time(fn, min_runs=5, min_seconds=1.0):
    times = []
    start = time.perf_counter()
    while len(times) < min_runs or time.perf_counter() - start < min_seconds:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), len(times)


def decode(path):
    return pdq_hasher._convert_image_to_correct_array_dimension(Image.open(path))


for line in sys.stdin:
    path = line.strip()
    if not path:
        continue
    array = decode(path)
    pixels, n_pixels = median_time(lambda: pdqhash.compute(array))
    file, n_file = median_time(lambda: pdq_hasher.pdq_from_file(path))
    dec, n_dec = median_time(lambda: decode(path))
    print(json.dumps({
        "path": path,
        "pixels_to_hash_s": pixels,
        "file_to_hash_s": file,
        "decode_s": dec,
        "runs": [n_pixels, n_file, n_dec],
        "pdq": pdq_hasher.pdq_from_file(path)[0],
    }), flush=True)
