"""Writes the expected TMK+PDQF features of each test video, computed by Meta's reference C++
(`tmk/cpp` in facebook/ThreatExchange, commit baefb4ed67b6cdc1d4c82dbaef858d50866ac424, built with
its own `make` and g++; it needs `pdq/cpp` beside it), and the reference's scores for every pair.
Run by a developer; the outputs are committed as pinned test vectors:

- `<video>.tmk`: `tmk-hash-video -f /usr/bin/ffmpeg -i <video> -o <video>.tmk` (FFmpeg 5.1.9,
  Debian 12), 263,344 bytes each;
- `tmk-scores.json`: for every pair, `tmk-two-level-score --c1 -1 --c2 0` (level-1 cosine of the
  pure averages, level-2 score; the pair in the order the tool prints it) and
  `tmk-show-pair-offsets` (best offset and unnormalised value, per period).

    python3 tmk_reference.py /path/to/ThreatExchange/tmk/cpp *.mp4 *.webm *.avi *.mkv

The reference is not vendored and no script here builds it: CI checks against these outputs.
"""
import itertools
import json
import os
import subprocess
import sys

COMMIT = "baefb4ed67b6cdc1d4c82dbaef858d50866ac424"

bin_dir, videos = sys.argv[1], sys.argv[2:]
hashed = []
for video in videos:
    out = video + ".tmk"
    run = subprocess.run(
        [os.path.join(bin_dir, "tmk-hash-video"), "-f", "/usr/bin/ffmpeg", "-i", video, "-o", out],
        capture_output=True,
        text=True,
    )
    if run.returncode != 0:  # no video stream: the reference refuses the file
        print(video, "refused:", run.stderr.strip().splitlines()[-1])
        if os.path.exists(out):
            os.remove(out)
        continue
    hashed.append(video)
    print(video, os.path.getsize(out), "bytes")

pairs = []
for a, b in itertools.combinations(sorted(hashed), 2):
    ta, tb = a + ".tmk", b + ".tmk"
    score = subprocess.run(
        [os.path.join(bin_dir, "tmk-two-level-score"), "--c1", "-1", "--c2", "0", ta, tb],
        capture_output=True, text=True, check=True,
    ).stdout.split()
    level1, level2, first, second = float(score[0]), float(score[1]), score[2], score[3]
    shown = subprocess.run(
        [os.path.join(bin_dir, "tmk-show-pair-offsets"), first, second],
        capture_output=True, text=True, check=True,
    ).stdout.splitlines()
    offsets = []
    for line in shown[1:]:  # "<offset> mod <period>: <value>"
        head, value = line.split(":")
        offset, _, period = head.split()
        offsets.append({"period": int(period), "offset": int(offset), "value": float(value)})
    pairs.append({
        "a": first[: -len(".tmk")],
        "b": second[: -len(".tmk")],
        "level1": level1,
        "level2": level2,
        "cosine": float(shown[0]),
        "offsets": offsets,
    })

with open("tmk-scores.json", "w") as f:
    json.dump({"threatexchange": COMMIT, "ffmpeg": "5.1.9-0+deb12u1", "pairs": pairs}, f, indent=1)
    f.write("\n")
print(len(pairs), "pairs")
