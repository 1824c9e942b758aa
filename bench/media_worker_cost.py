#!/usr/bin/env python3
"""What the sandboxed media worker costs: the same batches de-identified with codecs, OCR and PDF
cleaning in the engine's process (DICOMSCRUB_MEDIA_MODE=in-process) and in the dicomscrub-media
worker (the default), alternating each round. Per workload: wall and CPU seconds (user + system of
the CLI and its worker), the worker's extra cost per frame, and that extra as a share of the
in-process pixel path's cost (the batch time minus the same batch of header-only CT instances).

Workloads: 512x512 cover pages (10 text lines, one frame each) and one 200-frame 512x512 XA run
(text burned into 20 frames), native (copied by the engine itself: no worker job but OCR) and
JPEG lossless (decoded and re-encoded by GDCM in the worker: 52 MB of frames each way), each with
the OCR read-back (the default) and without it (--no-ocr-check: decode, detect, blank and encode
only, where shipping frames weighs most).
Writes markdown to stdout and JSON to bench/out/media_worker_cost.json.

  python3 bench/media_worker_cost.py [--rounds 3] [--covers 20] [--xa-frames 200]
"""
import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "python"))
import burned_in as bi  # noqa: E402

EXE = os.path.join(ROOT, "build", "cli", "dicomscrub")


def run(inputs, out, key, mode, extra):
    shutil.rmtree(out, ignore_errors=True)
    env = dict(os.environ, DICOMSCRUB_MEDIA_MODE=mode)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run([EXE, "deid", "--key-file", key, "--output", out, "--jobs", "1", *extra, inputs], capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        raise SystemExit(f"{mode} run failed ({p.returncode}): {p.stdout}{p.stderr}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--covers", type=int, default=20)
    ap.add_argument("--xa-frames", type=int, default=200)
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="media_worker_cost_")
    key = os.path.join(work, "site.key")
    subprocess.run([EXE, "keygen", key], check=True, capture_output=True)
    sets = {}
    covers = os.path.join(work, "covers")
    os.makedirs(covers)
    for i in range(a.covers):
        bi.make_cover(covers, f"cover_{i}", width=512, height=512, lines=10, seed=i)
    sets["cover pages 512x512"] = (covers, a.covers)
    xa = os.path.join(work, "xa")
    os.makedirs(xa)
    bi.make_acquisition(xa, "xa_run", "xa", frames=a.xa_frames, text_frames=list(range(0, a.xa_frames, max(1, a.xa_frames // 20))),
                        width=512, height=512)
    sets[f"XA {a.xa_frames} frames 512x512"] = (xa, a.xa_frames)
    xa_jpeg = os.path.join(work, "xa_jpeg")
    os.makedirs(xa_jpeg)
    bi.make_acquisition(xa_jpeg, "xa_run", "xa", frames=a.xa_frames, text_frames=list(range(0, a.xa_frames, max(1, a.xa_frames // 20))),
                        width=512, height=512, codec="jpeg_lossless")
    sets[f"XA {a.xa_frames} frames 512x512 JPEG lossless"] = (xa_jpeg, a.xa_frames)
    ct = os.path.join(work, "ct_base")
    subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen_corpus.py"), ct, "--ct", str(a.covers)], check=True, capture_output=True)
    baseline_inputs = os.path.join(ct, "ct")

    rows = []
    for ocr in (True, False):
        extra = [] if ocr else ["--no-ocr-check"]
        base = statistics.median(run(baseline_inputs, os.path.join(work, "o"), key, "in-process", extra)[1] for _ in range(a.rounds))
        base_per_file = base / a.covers
        for name, (inputs, frames) in sets.items():
            files = len(os.listdir(inputs))
            got = {"in-process": [], "worker": []}
            for _ in range(a.rounds):
                for mode in got:
                    got[mode].append(run(inputs, os.path.join(work, "o"), key, mode, extra))
            med = {m: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for m, v in got.items()}
            pixel_cpu = med["in-process"][1] - base_per_file * files  # the pixel path's own cost in-process
            extra_cpu = med["worker"][1] - med["in-process"][1]
            extra_wall = med["worker"][0] - med["in-process"][0]
            rows.append({
                "workload": name, "ocr_read_back": ocr, "frames": frames,
                "in_process_wall_s": round(med["in-process"][0], 3), "worker_wall_s": round(med["worker"][0], 3),
                "in_process_cpu_s": round(med["in-process"][1], 3), "worker_cpu_s": round(med["worker"][1], 3),
                "extra_cpu_ms_per_frame": round(1000 * extra_cpu / frames, 3),
                "extra_wall_ms_per_frame": round(1000 * extra_wall / frames, 3),
                "extra_cpu_share_of_pixel_path": round(extra_cpu / pixel_cpu, 4) if pixel_cpu > 0 else None,
            })
    print(f"| workload | OCR read-back | in-process wall / CPU s | worker wall / CPU s | extra CPU ms/frame | extra wall ms/frame | "
          f"extra CPU / pixel path |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        share = "n/a" if r["extra_cpu_share_of_pixel_path"] is None else f"{100 * r['extra_cpu_share_of_pixel_path']:.1f} %"
        print(f"| {r['workload']} | {'yes' if r['ocr_read_back'] else 'no'} | {r['in_process_wall_s']} / {r['in_process_cpu_s']} | "
              f"{r['worker_wall_s']} / {r['worker_cpu_s']} | {r['extra_cpu_ms_per_frame']} | {r['extra_wall_ms_per_frame']} | {share} |")
    os.makedirs(os.path.join(ROOT, "bench", "out"), exist_ok=True)
    with open(os.path.join(ROOT, "bench", "out", "media_worker_cost.json"), "w") as f:
        json.dump({"rounds": a.rounds, "rows": rows}, f, indent=1)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
