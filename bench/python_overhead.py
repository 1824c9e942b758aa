#!/usr/bin/env python3
"""Python bindings vs the CLI on the same corpus and key: median wall time of `dicomscrub deid`
and of `dicomscrub.deidentify_tree` (both one worker, both including process start), and the
difference per file. Usage: python3 bench/python_overhead.py [CORPUS_DIR] [--rounds 5]"""
import os
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    corpus = sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("--") else os.path.join(ROOT, "bench", "out", "corpus", "ct")
    rounds = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 5
    cli = os.path.join(ROOT, "build", "cli", "dicomscrub")
    key = os.path.join(ROOT, "bench", "out", "py.key")
    if not os.path.exists(key):
        subprocess.check_call([cli, "keygen", key], stdout=subprocess.DEVNULL)
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "bindings", "python"),
               DICOMSCRUB_LIBRARY=os.path.join(ROOT, "build", "libdicomscrub.so"))
    out = os.path.join(ROOT, "bench", "out", "py-overhead")
    py = [sys.executable, "-c", "import sys, dicomscrub; dicomscrub.deidentify_tree(sys.argv[1], sys.argv[2], workers=1, key_file=sys.argv[3])"]
    times = {"cli": [], "python": []}
    n = sum(len(f) for _, _, f in os.walk(corpus))
    for _ in range(rounds):
        for name, cmd in (("cli", [cli, "deid", "--key-file", key, "--output", out, "--jobs", "1", corpus]),
                          ("python", py + [corpus, out, key])):
            shutil.rmtree(out, ignore_errors=True)
            t = time.perf_counter()
            subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
            times[name].append(time.perf_counter() - t)
    shutil.rmtree(out, ignore_errors=True)
    c, p = statistics.median(times["cli"]), statistics.median(times["python"])
    print(f"{n} files, median of {rounds}: CLI {c:.3f} s, Python {p:.3f} s; "
          f"Python overhead {(p - c) / n * 1e6:.0f} us per file ({p / c:.2f}x the CLI, process start included)")


if __name__ == "__main__":
    main()
