#!/usr/bin/env python3
"""An optimisation must not change what is written or withheld: run two builds of the CLI with the
same key over the same inputs and compare every output byte and every audit record (status, reason,
output name, per-tag actions; times left out).

  same_outputs.py BEFORE_CLI AFTER_CLI [INPUT...]

Inputs default to tests/data, ../shared/corpus (when present) and the PHI samples. Exits 1 on any
difference, printing the first ones.
"""
import filecmp
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(cli, key, inputs, out, audit):
    p = subprocess.run([cli, "deid", "--key-file", key, "--output", out, "--audit", audit, "--audit-paths", "plain",
                        "--duplicates", "suffix", "--jobs", "1", "--quiet", *inputs], capture_output=True, text=True)
    records = []
    with open(audit) as f:
        for line in f:
            r = json.loads(line)
            for k in ("seconds", "time", "start", "started", "end", "finished", "elapsed", "elapsed_s", "tool"):
                r.pop(k, None)
            if r.get("output"):
                r["output"] = os.path.relpath(r["output"], out)
            records.append(r)
    return p.returncode, records


def tree(d):
    return sorted(os.path.relpath(os.path.join(a, n), d) for a, _, ns in os.walk(d) for n in ns)


def main():
    before, after, *inputs = sys.argv[1:]
    if not inputs:
        inputs = [os.path.join(ROOT, "tests", "data")]
        corpus = os.path.join(ROOT, "..", "shared", "corpus")
        if os.path.isdir(corpus):
            inputs.append(corpus)
    tmp = tempfile.mkdtemp(prefix="same-outputs-")
    key = os.path.join(tmp, "k.key")
    subprocess.run([after, "keygen", key], check=True, capture_output=True)
    rc_a, rec_a = run(before, key, inputs, os.path.join(tmp, "a"), os.path.join(tmp, "a.jsonl"))
    rc_b, rec_b = run(after, key, inputs, os.path.join(tmp, "b"), os.path.join(tmp, "b.jsonl"))
    problems = []
    if rc_a != rc_b:
        problems.append(f"exit codes differ: {rc_a} vs {rc_b}")
    ta, tb = tree(os.path.join(tmp, "a")), tree(os.path.join(tmp, "b"))
    if ta != tb:
        problems.append(f"output names differ: {sorted(set(ta) ^ set(tb))[:5]}")
    same = [f for f in ta if f in set(tb) and filecmp.cmp(os.path.join(tmp, "a", f), os.path.join(tmp, "b", f), shallow=False)]
    for f in sorted(set(ta) & set(tb) - set(same))[:5]:
        problems.append(f"bytes differ: {f}")
    if len(rec_a) != len(rec_b):
        problems.append(f"audit records: {len(rec_a)} vs {len(rec_b)}")
    for x, y in zip(rec_a, rec_b):
        if x != y:
            problems.append(f"audit record differs:\n  {json.dumps(x)[:400]}\n  {json.dumps(y)[:400]}")
            break
    statuses = {}
    for r in rec_b:
        statuses[r.get("status", r.get("type", "?"))] = statuses.get(r.get("status", r.get("type", "?")), 0) + 1
    print(f"{len(ta)} outputs, {len(same)} byte-identical; {len(rec_b)} audit records {statuses}; exit {rc_a}/{rc_b}")
    subprocess.run(["rm", "-rf", tmp])
    if problems:
        print("\n".join(problems))
        sys.exit(1)
    print("same outputs and audit")


if __name__ == "__main__":
    main()
