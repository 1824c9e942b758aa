#!/usr/bin/env python3
"""Throughput benchmark: read+write of generated corpora by cp, dicomscrub and GDCM, in one run,
alternating tools each round so they share the machine's state. Reports median wall time, median
CPU seconds of the child (user + system, from wait4's rusage: what a loaded machine does not
inflate the way it inflates wall time), files/s, MB/s, peak RSS and ratios, as markdown (stdout)
and JSON (bench/out/results.json).

  python3 bench/run.py [--rounds 5] [--ct 300] [--multiframe 2 --frames 200] [--tiny 2000] [--tmpfs]

Build first (tools/build.sh builds build/bench/*). Inputs go to bench/out/corpus (or /dev/shm
with --tmpfs, to take the disk out of the measurement).
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(cmd):
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    dt = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    err = p.stderr.read().decode(errors="replace")
    if p.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({p.returncode}): {err[:500]}")
    return dt, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0


def size_of(d):
    files = [os.path.join(d, f) for f in os.listdir(d)]
    return len(files), sum(os.path.getsize(f) for f in files)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--ct", type=int, default=300)
    ap.add_argument("--multiframe", type=int, default=2)
    ap.add_argument("--frames", type=int, default=200)
    ap.add_argument("--tiny", type=int, default=2000)
    ap.add_argument("--tmpfs", action="store_true")
    ap.add_argument("--corpus", default="", help="corpus folder to use (made by gen_corpus.py when absent)")
    ap.add_argument("--deid", action="store_true", help="also time `dicomscrub deid` (Basic Profile) with 1 and 2 jobs")
    ap.add_argument("--only", default="", help="comma-separated corpora to run (ct,multiframe,tiny)")
    ap.add_argument("--peers", action="store_true",
                    help="also time gdcmanon (Debian libgdcm-tools) and the PyPI peers dicognito, deid, dicom-anonymizer, "
                         "dcmanon, fw-file-rs (bench/requirements.txt)")
    ap.add_argument("--tools", default="", help="comma-separated subset of tool names to run (cp and gdcm are always run)")
    a = ap.parse_args()
    base = "/dev/shm/dicomscrub-bench" if a.tmpfs else os.path.join(ROOT, "bench", "out")
    os.makedirs(base, exist_ok=True)
    corpus = a.corpus or os.path.join(base, "corpus")
    if not os.path.isdir(corpus):
        subprocess.check_call([sys.executable, os.path.join(ROOT, "bench", "gen_corpus.py"), corpus, "--ct", str(a.ct),
                               "--multiframe", str(a.multiframe), "--frames", str(a.frames), "--tiny", str(a.tiny)])
    ours = os.path.join(ROOT, "build", "bench", "rewrite_tree")
    gdcm = os.path.join(ROOT, "build", "bench", "gdcm_rewrite_tree")
    tools = {
        "cp": lambda s, d: ["cp", "-r", s, d],
        "dicomscrub": lambda s, d: [ours, s, d],
        "gdcm": lambda s, d: [gdcm, s, d],
    }
    if a.deid:
        cli = os.path.join(ROOT, "build", "cli", "dicomscrub")
        key = os.path.join(base, "bench.key")
        if not os.path.exists(key):
            subprocess.check_call([cli, "keygen", key], stdout=subprocess.DEVNULL)
        tools["deid -j1"] = lambda s, d: [cli, "deid", "--key-file", key, "--output", d, "--jobs", "1", s]
        tools["deid -j2"] = lambda s, d: [cli, "deid", "--key-file", key, "--output", d, "--jobs", "2", s]
    if a.peers:
        cert = os.path.join(base, "bench-cert.pem")
        if not os.path.exists(cert):
            subprocess.check_call(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-keyout", os.path.join(base, "bench-key.pem"),
                                   "-out", cert, "-days", "30", "-nodes", "-subj", "/CN=bench"], stderr=subprocess.DEVNULL)
        runner = os.path.join(ROOT, "bench", "peers_runner.py")
        tools["gdcmanon"] = lambda s, d: ["gdcmanon", "-e", "-r", "--continue", "-c", cert, "-i", s, "-o", d]
        tools["dicognito"] = lambda s, d: [sys.executable, runner, "dicognito", s, d]
        tools["deid (pydicom)"] = lambda s, d: [sys.executable, runner, "deid", s, d]
        tools["dicom-anonymizer"] = lambda s, d: ["bash", "-c", 'mkdir -p "$2" && exec dicom-anonymizer "$1" "$2"', "_", s, d]
        tools["dcmanon"] = lambda s, d: [sys.executable, runner, "dcmanon", s, d]
        fw_profile = os.path.join(base, "fw-basic.yaml")
        with open(fw_profile, "w") as f:
            subprocess.check_call([sys.executable, os.path.join(ROOT, "bench", "fw_profile.py"),
                                   os.path.join(ROOT, "build", "cli", "dicomscrub")], stdout=f, stderr=subprocess.DEVNULL)
        tools["fw-file-rs"] = lambda s, d: [sys.executable, runner, "fw-file-rs", s, d, fw_profile]
    if a.tools:
        wanted = set(a.tools.split(",")) | {"cp", "gdcm"}
        tools = {t: m for t, m in tools.items() if t in wanted}
    results = {}
    for name in ("ct", "multiframe", "tiny"):
        if a.only and name not in a.only.split(","):
            continue
        src = os.path.join(corpus, name)
        if not os.path.isdir(src):
            continue
        nfiles, nbytes = size_of(src)
        times = {t: [] for t in tools}
        cpu = {t: [] for t in tools}
        rss = {t: 0.0 for t in tools}
        produced = {t: 0 for t in tools}
        for _ in range(a.rounds):
            for t, make in tools.items():
                dst = os.path.join(base, "dst")
                shutil.rmtree(dst, ignore_errors=True)
                dt, cpu_s, peak = run(make(src, dst))
                times[t].append(dt)
                cpu[t].append(cpu_s)
                rss[t] = max(rss[t], peak)
                produced[t] = sum(len(fs) for _, _, fs in os.walk(dst)) if os.path.isdir(dst) else 0
        shutil.rmtree(os.path.join(base, "dst"), ignore_errors=True)
        med = {t: statistics.median(v) for t, v in times.items()}
        results[name] = {
            "files": nfiles, "bytes": nbytes, "rounds": a.rounds,
            "tools": {t: {"median_s": med[t], "median_cpu_s": statistics.median(cpu[t]), "files_per_s": nfiles / med[t], "mb_per_s": nbytes / 1e6 / med[t],
                          "peak_rss_mb": rss[t], "outputs": produced[t], "ratio_to_cp": med[t] / med["cp"],
                          "ratio_to_gdcm": med[t] / med["gdcm"]} for t in tools},
        }
    os.makedirs(os.path.join(ROOT, "bench", "out"), exist_ok=True)
    with open(os.path.join(ROOT, "bench", "out", "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    where = "tmpfs (/dev/shm)" if a.tmpfs else "disk"
    print(f"read+write, {where}, median of {a.rounds} alternating rounds; ratio = wall time / the other tool's wall time\n")
    print("| corpus | files | MB | tool | outputs | median s | CPU s | files/s | files/CPU s | MB/s | peak RSS MB | ratio to cp | ratio to GDCM |")
    print("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        for t, v in r["tools"].items():
            print(f"| {name} | {r['files']} | {r['bytes'] / 1e6:.0f} | {t} | {v['outputs']} | {v['median_s']:.3f} | {v['median_cpu_s']:.3f} | "
                  f"{v['files_per_s']:.0f} | {r['files'] / max(v['median_cpu_s'], 1e-6):.0f} | "
                  f"{v['mb_per_s']:.0f} | {v['peak_rss_mb']:.0f} | {v['ratio_to_cp']:.2f} | {v['ratio_to_gdcm']:.2f} |")


if __name__ == "__main__":
    main()
