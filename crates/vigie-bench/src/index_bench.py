"""Times faiss binary indexes for vigie-bench index: IndexBinaryFlat, HMA's IndexBinaryMultiHash
(16 tables of 16 bits, nflip 1) and a tuned one (11 tables of 23 bits, nflip 2), one thread,
exact radius 31 (faiss's radius is strict, so 32 is passed).

argv: codes.bin queries.bin ; each file holds 32-byte codes back to back.
Prints one JSON line per index: name, build_s, query_ms (mean per query), total matches.
"""
import json
import sys
import time

import faiss
import numpy as np

faiss.omp_set_num_threads(1)
codes = np.fromfile(sys.argv[1], dtype=np.uint8).reshape(-1, 32)
queries = np.fromfile(sys.argv[2], dtype=np.uint8).reshape(-1, 32)
configs = sys.argv[3].split(",") if len(sys.argv) > 3 else ["flat", "mih16x16", "mih11x23"]


def build(name):
    if name == "flat":
        return faiss.IndexBinaryFlat(256)
    if name == "mih16x16":
        index = faiss.IndexBinaryMultiHash(256, 16, 16)
        index.nflip = 1
        return index
    if name == "mih11x23":
        index = faiss.IndexBinaryMultiHash(256, 11, 23)
        index.nflip = 2
        return index
    raise ValueError(name)


for name in configs:
    index = build(name)
    t0 = time.perf_counter()
    index.add(codes)
    build_s = time.perf_counter() - t0
    total = 0
    t0 = time.perf_counter()
    for q in queries:
        lims, _, _ = index.range_search(q.reshape(1, 32), 32)
        total += int(lims[1])
    query_ms = (time.perf_counter() - t0) * 1000 / len(queries)
    print(json.dumps({"index": name, "build_s": build_s, "query_ms": query_ms, "matches": total}), flush=True)
    del index
