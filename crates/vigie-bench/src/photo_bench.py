"""Times python-threatexchange's file-to-hash on a corpus of photographs, for vigie-bench photos.

Reads file paths on stdin, then PASSES (argv[1]) timed passes over all of them after one warm-up
pass, one thread: pytx's pdq_from_file (Pillow decoding and Meta's PDQ), and Pillow's decoding
alone (open, load, the numpy array pytx hands to PDQ). Prints one JSON line per file with pytx's
hash, then one with the seconds of each pass.
"""
import json
import sys
import time

from PIL import Image
from threatexchange.signal_type.pdq import pdq_hasher


def decode(path):
    return pdq_hasher._convert_image_to_correct_array_dimension(Image.open(path))


def timed_pass(fn, paths):
    t0 = time.perf_counter()
    for p in paths:
        fn(p)
    return time.perf_counter() - t0


passes = int(sys.argv[1])
paths = [line.strip() for line in sys.stdin if line.strip()]
for p in paths:
    pdq, quality = pdq_hasher.pdq_from_file(p)
    print(json.dumps({"path": p, "pdq": pdq, "quality": int(quality)}), flush=True)
timed_pass(pdq_hasher.pdq_from_file, paths)
file_passes = [timed_pass(pdq_hasher.pdq_from_file, paths) for _ in range(passes)]
decode_passes = [timed_pass(decode, paths) for _ in range(passes)]
print(json.dumps({"file_to_hash_passes_s": file_passes, "decode_passes_s": decode_passes}), flush=True)
