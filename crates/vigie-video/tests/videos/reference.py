"""Writes the expected vPDQ features of each test video, computed by Meta's `vpdq` (0.2.5 from
PyPI), and python-threatexchange's signal string for them: `<video>.vpdq.json`. Run by a developer
(vpdq builds against FFmpeg's libraries); the outputs are committed as pinned test vectors.

    python reference.py *.mp4 *.webm *.avi *.mkv
"""
import json
import sys

import vpdq
from threatexchange.extensions.vpdq.vpdq_util import VpdqCompactFeature, vpdq_to_json

for path in sys.argv[1:]:
    out = {"vpdq": vpdq.__version__ if hasattr(vpdq, "__version__") else "0.2.5"}
    for seconds in (1, 0):
        try:
            features = vpdq.computeHash(path, seconds_per_hash=seconds)
        except Exception as e:  # a file vpdq refuses: the expected answer is an error
            out[str(seconds)] = {"error": str(e)}
            continue
        out[str(seconds)] = [[f.frame_number, f.hex, f.quality, f.timestamp] for f in features]
        if seconds == 1:
            out["signal"] = vpdq_to_json([VpdqCompactFeature.from_vpdq_feature(f) for f in features])
    with open(path + ".vpdq.json", "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(path, {k: (len(v) if isinstance(v, list) else v) for k, v in out.items() if k in ("1", "0")})
