#!/usr/bin/env python3
"""Sum Chrome traces of libtorch's profiler per operation, and set two side by side.

Usage:
    python3 tools/trace_ops.py rlhf4j.json                     # one trace: self time per op
    python3 tools/trace_ops.py rlhf4j.json torch.json          # two: per op, side by side
    python3 tools/trace_ops.py --shapes rlhf4j.json torch.json # per op and input shapes

Traces come from ``rlhf4j --torch-profile TRACE.json <command>`` (libtorch inside the JVM) and from
``torch.profiler.profile(record_shapes=True)`` + ``export_chrome_trace`` (see
``bench_compare.py --profile``). Self time is an op's duration minus the ops nested in it on the
same thread, so the column sums to the traced time. Standard library only.
"""
import argparse
import collections
import json


def events(path):
    """The trace's operations: complete events, without the profiler's own span and Python frames."""
    with open(path) as f:
        d = json.load(f)
    ev = d["traceEvents"] if isinstance(d, dict) else d
    return [e for e in ev if e.get("ph") == "X" and "dur" in e
            and e.get("cat") not in ("user_annotation", "python_function")
            and not e.get("name", "").startswith("PyTorch Profiler")]


def self_times(path, shapes):
    by_thread = collections.defaultdict(list)
    for e in events(path):
        by_thread[e.get("tid")].append(e)
    total = collections.Counter()
    count = collections.Counter()
    for es in by_thread.values():
        es.sort(key=lambda e: (float(e["ts"]), -float(e["dur"])))
        stack = []
        for e in es:
            ts = float(e["ts"])
            while stack and float(stack[-1][0]["ts"]) + float(stack[-1][0]["dur"]) <= ts:
                stack.pop()
            key = e["name"]
            if shapes:
                key += " " + str(e.get("shape") or e.get("args", {}).get("Input Dims", ""))
            if stack:
                total[stack[-1][1]] -= float(e["dur"])
            total[key] += float(e["dur"])
            count[key] += 1
            stack.append((e, key))
    return total, count


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("traces", nargs="+", help="one or two Chrome trace files")
    ap.add_argument("--shapes", action="store_true", help="one row per op and input shapes")
    ap.add_argument("--top", type=int, default=25, help="rows (default 25)")
    a = ap.parse_args()
    if len(a.traces) > 2:
        ap.error("one or two traces")
    sums = [self_times(t, a.shapes) for t in a.traces]
    keys = collections.Counter()
    for total, _ in sums:
        keys.update({k: abs(v) for k, v in total.items()})
    head = "".join(f"{'ms':>10} {'calls':>7}" for _ in sums)
    print(f"{head}  op   ({' | '.join(a.traces)})")
    for k, _ in keys.most_common(a.top):
        cells = "".join(f"{total.get(k, 0) / 1000:10.0f} {count.get(k, 0):7d}" for total, count in sums)
        print(f"{cells}  {k}")
    print("".join(f"{sum(total.values()) / 1000:10.0f} {'':7}" for total, _ in sums) + "  total self time")


if __name__ == "__main__":
    main()
