"""Hashes each file named on stdin with python-threatexchange's pdq_from_file (the HMA path).

Prints one JSON object per line: {"path", "pdq", "quality"} or {"path", "error"}.
"""
import json
import sys

from threatexchange.signal_type.pdq.pdq_hasher import pdq_from_file

for line in sys.stdin:
    path = line.strip()
    if not path:
        continue
    try:
        pdq, quality = pdq_from_file(path)
        print(json.dumps({"path": path, "pdq": pdq, "quality": int(quality)}))
    except Exception as e:  # noqa: BLE001 - the error is the answer
        print(json.dumps({"path": path, "error": f"{type(e).__name__}: {e}"}))
