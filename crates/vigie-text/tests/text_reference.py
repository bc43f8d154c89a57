"""The reference side of tests/reference.rs: py-tlsh and python-threatexchange's text signals.

Reads JSON requests, one a line, all of stdin first (so the caller can write everything before
reading); answers one JSON line each, in order. An exception is answered as its type's name.
"""

import importlib.metadata
import json
import sys

import tlsh
from threatexchange import common
from threatexchange.extensions.tlsh.text_tlsh import TextTLSHSignal
from threatexchange.signal_type.raw_text import RawTextSignal


def answer(request):
    op = request["op"]
    if op == "versions":
        return {name: importlib.metadata.version(name) for name in ("py-tlsh", "threatexchange")}
    if op == "tlsh":
        return {"tlsh": tlsh.hash(bytes.fromhex(request["hex"]))}
    if op == "tlsh_prefixes":
        data = bytes.fromhex(request["hex"])
        return {"tlsh": [tlsh.hash(data[:n]) for n in request["lens"]]}
    if op == "diff":
        return {"diff": tlsh.diff(request["a"], request["b"]), "diffxlen": tlsh.diffxlen(request["a"], request["b"])}
    if op == "norm":
        return {"norm": common.normalize_string(request["s"])}
    if op == "raw":
        result = RawTextSignal.matches_str(request["signal"], request["haystack"])
        return {"match": bool(result.match), "distance": float(result.distance.distance)}
    if op == "text_tlsh":
        return {"hash": TextTLSHSignal.hash_from_str(request["text"])}
    if op == "text_tlsh_cmp":
        result = TextTLSHSignal.compare_hash(request["a"], request["b"])
        return {"match": bool(result.match), "distance": result.distance.distance}
    raise ValueError(f"unknown op {op}")


def main():
    # Split on "\n" only: a JSON string may hold U+2028 and other characters splitlines() breaks on.
    requests = [json.loads(line) for line in sys.stdin.buffer.read().decode("utf-8").split("\n") if line]
    out = sys.stdout
    for request in requests:
        try:
            response = answer(request)
        except Exception as e:  # noqa: BLE001 - the type is the answer
            response = {"error": type(e).__name__}
        out.write(json.dumps(response) + "\n")


if __name__ == "__main__":
    main()
