"""Hashes each file named on stdin with python-threatexchange's pdq_from_file (the HMA path),
and its eight dihedral hashes with pdqhash.compute_dihedral on the same pixel array.

Prints one JSON object per line: {"path", "pdq", "quality", "dihedral"} or {"path", "error"}.
"""
import json
import sys

import pdqhash
from PIL import Image
from threatexchange.signal_type.pdq import pdq_hasher
from threatexchange.signal_type.pdq.pdq_hasher import pdq_from_file


def to_hex(vector):
    bits = "".join(str(x) for x in vector)
    return "%064x" % int(bits, 2)


def dihedral(path):
    array = pdq_hasher._convert_image_to_correct_array_dimension(Image.open(path))
    vectors, _ = pdqhash.compute_dihedral(array)
    return [to_hex(v) for v in vectors]

for line in sys.stdin:
    path = line.strip()
    if not path:
        continue
    try:
        pdq, quality = pdq_from_file(path)
        print(json.dumps({"path": path, "pdq": pdq, "quality": int(quality), "dihedral": dihedral(path)}))
    except Exception as e:  # noqa: BLE001 - the error is the answer
        print(json.dumps({"path": path, "error": f"{type(e).__name__}: {e}"}))
