"""Times python-threatexchange's file-to-hash on a corpus of photographs, for vigie-bench photos.

Reads file paths on stdin up to an empty line and prints one JSON line per file with pytx's hash.
Then, for each command line on stdin, one pass over all the files, one thread, and one JSON line
with its seconds (wall and CPU): `file` times pytx's pdq_from_file (Pillow decoding and Meta's PDQ), `decode`
Pillow's decoding alone (open, load, the numpy array pytx hands to PDQ). The caller alternates
these passes with its own, so that both sides see the same machine.
"""
import json
import sys
import time

from PIL import Image
from threatexchange.signal_type.pdq import pdq_hasher


def decode(path):
    return pdq_hasher._convert_image_to_correct_array_dimension(Image.open(path))


paths = []
for line in sys.stdin:
    if not line.strip():
        break
    paths.append(line.strip())
for p in paths:
    pdq, quality = pdq_hasher.pdq_from_file(p)
    print(json.dumps({"path": p, "pdq": pdq, "quality": int(quality)}), flush=True)
steps = {"file": pdq_hasher.pdq_from_file, "decode": decode}
for line in sys.stdin:
    fn = steps[line.strip()]
    t0, c0 = time.perf_counter(), time.process_time()
    for p in paths:
        fn(p)
    print(json.dumps({"seconds": time.perf_counter() - t0, "cpu_seconds": time.process_time() - c0}), flush=True)
