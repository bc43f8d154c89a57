#!/usr/bin/env python3
"""Intake side by side: two `vigie` binaries, each started fresh by `vigie-bench notices`, in
alternated rounds (A B, then B A, ...). Prints each round and the medians, with the median of the
per-round ratios (B / A). Rounds vary a lot on a shared virtual machine: use many.

    tools/ab-notices.py target/release/vigie-bench A/vigie B/vigie 8
"""
import json
import statistics
import subprocess
import sys

bench, a, b = sys.argv[1], sys.argv[2], sys.argv[3]
rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 8
seen = {a: [], b: []}
ratios = []
for r in range(rounds):
    got = {}
    for binary in ([a, b] if r % 2 == 0 else [b, a]):
        out = subprocess.run(
            [bench, "notices", "--spawn", binary, "--duration", "12", "--warmup", "3", "--concurrency", "64", "--json"],
            capture_output=True, text=True, check=True,
        ).stdout.strip().splitlines()[-1]
        got[binary] = json.loads(out)["notices_per_s"]
        seen[binary].append(got[binary])
    ratios.append(got[b] / got[a])
    print(f"round {r + 1}: A {got[a]:.0f}  B {got[b]:.0f}  B/A {ratios[-1]:.3f}", flush=True)
ma, mb = statistics.median(seen[a]), statistics.median(seen[b])
print(f"medians: A {ma:.0f}, B {mb:.0f}, B/A {mb / ma:.3f}; median of the round ratios {statistics.median(ratios):.3f}")
