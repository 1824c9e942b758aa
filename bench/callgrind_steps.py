#!/usr/bin/env python3
"""Instructions per file for each step of `dicomscrub deid`, counted by callgrind: repeatable on a
loaded machine where wall time is not (the before/after of a code change goes here, not in
bench/run.py).

  callgrind_steps.py [--files 200] [--corpus DIR] [--cli build/cli/dicomscrub] [--json OUT.json]

Runs `deid --jobs 1` once over N header-only instances of bench/gen_corpus.py (made in a temporary
folder when --corpus is not given) under valgrind --tool=callgrind, and once over 1 of them, and
prints markdown tables: the process's fixed costs (the 1-file run minus one file's share, and the
start-up steps by name) and, per file, each step's marginal inclusive instruction count (N-file run
minus 1-file run, divided by N-1, so a one-off cost inside a step does not count as per file). Steps overlap where
one calls another (the residual check includes its date spellings); `allocation` is malloc/free and
operator new/delete wherever they are called.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Fixed costs, paid once per process: step -> function-name patterns (inclusive counts, summed).
FIXED = [
    ("dynamic loading (ld.so)", [r"rtld\.c:_dl_start "]),
    ("engine set-up (Deidentifier::create)", [r"dicomscrub::Deidentifier::create\("]),
    ("key fingerprint", [r"dicomscrub::pseudo::Key::fingerprint"]),
]
# Per-file steps.
STEPS = [
    ("per-file work (run_batch)", [r"^\?\?\?:dicomscrub::run_batch\(.*\) \[[^]]*\]$"]),
    ("read", [r"dicomscrub::read_file\("]),
    ("apply (walk + checks)", [r"dicomscrub::Deidentifier::apply\("]),
    ("  identifier collection (phi::collect)", [r"dicomscrub::phi::collect\("]),
    ("  kept-text check set-up", [r"dicomscrub::deid::KeptTextCheck::KeptTextCheck\("]),
    ("  profile walk (Walk::walk)", [r"\(anonymous namespace\)::Walk::walk\("]),
    ("    HMAC (Pseudonymizer::mac)", [r"dicomscrub::pseudo::Pseudonymizer::mac\("]),
    ("    descriptor cleaning (Detector::clean; none under Basic on this corpus)", [r"dicomscrub::phi::Detector::clean\("]),
    ("    kept codes checked for the patient's identifiers (spells_own_identifier)", [r"Walk::spells_own_identifier\("]),
    ("  the instance's automaton compiled (compile_needles, by its first value checked)", [r"dicomscrub::phi::Detector::Impl::compile_needles\("]),
    ("  residual check (verify::scan)", [r"dicomscrub::verify::scan\("]),
    ("    detector (Detector::find)", [r"dicomscrub::phi::Detector::find\("]),
    ("    dates in free text (phi::find_dates; the instance's own dates are inlined in the detector)", [r"dicomscrub::phi::find_dates\("]),
    ("    own identifiers (Detector ids_)", [r"dicomscrub::phi::Detector::Impl::ids_\("]),
    ("    folding (phi::fold)", [r"dicomscrub::phi::fold\(std::basic_string_view<char, std::char_traits<char> >, dicomscrub::phi::Folded&\)"]),
    ("    charset decoding", [r"dicomscrub::charset::decode\("]),
    ("write", [r"\(anonymous namespace\)::commit\("]),
    ("allocation (malloc/free/new/delete)", [r"malloc\.c:malloc ", r"malloc\.c:free ", r"malloc\.c:realloc ", r"malloc\.c:calloc "]),
]


def annotate(out_file):
    text = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", out_file],
                          check=True, capture_output=True, text=True).stdout
    rows = []
    for line in text.splitlines():
        m = re.match(r"^\s*([\d,]+) \([ \d.]+%\)\s+(.*)$", line)
        if m:
            rows.append((int(m.group(1).replace(",", "")), m.group(2)))
    total = next((n for n, f in rows if f == "PROGRAM TOTALS"), 0)
    counts = {}
    for step, patterns in FIXED + STEPS:
        counts[step] = sum(max((n for n, f in rows if re.search(p, f)), default=0) for p in patterns)
    counts["program total"] = total
    return counts


def run(cli, key, src, out, cg_file):
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={cg_file}", cli, "deid", "--key-file", key,
                    "--output", out, "--jobs", "1", "--quiet", src], check=True, capture_output=True)
    return annotate(cg_file)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=200)
    ap.add_argument("--corpus", default="", help="a folder of header-only instances (default: generated)")
    ap.add_argument("--cli", default=os.path.join(ROOT, "build", "cli", "dicomscrub"))
    ap.add_argument("--json", default="")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="callgrind-steps-")
    try:
        src = a.corpus
        if not src:
            subprocess.check_call([sys.executable, os.path.join(ROOT, "bench", "gen_corpus.py"), tmp, "--tiny", str(a.files)])
            src = os.path.join(tmp, "tiny")
        one = os.path.join(tmp, "one")
        os.makedirs(one)
        first = sorted(os.listdir(src))[0]
        shutil.copy(os.path.join(src, first), one)
        key = os.path.join(tmp, "k.key")
        subprocess.run([a.cli, "keygen", key], check=True, capture_output=True)
        n = len(os.listdir(src))
        many = run(a.cli, key, src, os.path.join(tmp, "out"), os.path.join(tmp, "cg.many"))
        single = run(a.cli, key, one, os.path.join(tmp, "out1"), os.path.join(tmp, "cg.one"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    per_file_total = (many["program total"] - single["program total"]) / (n - 1)
    fixed = single["program total"] - per_file_total
    result = {"files": n, "program_total": many["program total"], "per_file": per_file_total, "fixed": fixed,
              "fixed_steps": {s: single[s] for s, _ in FIXED}, "steps_per_file": {s: (many[s] - single[s]) / (n - 1) for s, _ in STEPS}}
    print(f"callgrind, `deid --jobs 1` over {n} header-only instances: {many['program total'] / 1e6:.1f} M instructions in all; "
          f"per file {per_file_total / 1e3:.0f} k (marginal: ({n}-file run - 1-file run) / {n - 1}); fixed per process "
          f"{fixed / 1e6:.1f} M\n")
    print("| fixed, per process | M instructions |")
    print("|---|---:|")
    for s, _ in FIXED:
        print(f"| {s} | {single[s] / 1e6:.2f} |")
    print(f"| all fixed costs | {fixed / 1e6:.2f} |")
    print("\n| step, per file | k instructions |")
    print("|---|---:|")
    for s, _ in STEPS:
        print(f"| {s} | {(many[s] - single[s]) / (n - 1) / 1e3:.1f} |")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
