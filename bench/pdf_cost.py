#!/usr/bin/env python3
"""What happens to each generated PDF that names someone, and what it costs: cleaned in place
(glyphs removed), rendered (some pages cleaned as cover pages) or withheld; seconds per instance (median of
rounds, one CLI process per instance, OCR read-back on and off). Markdown on stdout, JSON in
bench/out/pdf_cost.json.

  python3 bench/pdf_cost.py [--rounds 3]

Build first (tools/build.sh). Inputs: tests/python/pdf_samples.py (one letter-size page each).
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "python"))
import pdf_samples  # noqa: E402
from test_pdf import pdf_instance  # noqa: E402

EXE = os.path.join(ROOT, "build", "cli", "dicomscrub")
SAMPLES = dict(pdf_samples.CASES, type3_font=pdf_samples.type3_font, split_across_form=pdf_samples.split_across_form,
               image_in_form=pdf_samples.image_in_form, lying_to_unicode=pdf_samples.lying_to_unicode,
               letterhead_and_text=pdf_samples.letterhead_and_text)


def run_one(path, key, out, extra):
    audit = out / "audit.jsonl"
    t0 = time.perf_counter()
    subprocess.run([EXE, "deid", "--key-file", key, "--output", str(out / "o"), "--audit", str(audit), *extra, path],
                   capture_output=True)
    seconds = time.perf_counter() - t0
    rec = json.loads(audit.read_text().splitlines()[0])
    if rec["status"] != "written":
        outcome = "withheld"
    elif "scanned PDF" in (rec.get("pixels") or ""):
        outcome = "rendered"
    else:
        outcome = "in place"
    glyphs = re.search(r"(\d+) identifying glyph", rec.get("pixels") or "")
    return outcome, int(glyphs.group(1)) if glyphs else 0, seconds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        key = str(tmp / "site.key")
        subprocess.run([EXE, "keygen", key], check=True, capture_output=True)
        for name, make in sorted(SAMPLES.items()):
            path = pdf_instance(tmp / f"{name}.dcm", make())
            row = {"case": name}
            for label, extra in (("ocr", []), ("no_ocr", ["--no-ocr-check"])):
                times = []
                for r in range(args.rounds):
                    out = tmp / f"{name}-{label}-{r}"
                    out.mkdir()
                    outcome, glyphs, seconds = run_one(path, key, out, extra)
                    times.append(seconds)
                row[label] = {"outcome": outcome, "glyphs_removed": glyphs, "seconds": statistics.median(times)}
            rows.append(row)
    print("| PDF | outcome | glyphs removed | s with OCR read-back | s without |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['case']} | {r['ocr']['outcome']} | {r['ocr']['glyphs_removed']} | {r['ocr']['seconds']:.2f} | "
              f"{r['no_ocr']['seconds']:.2f} ({r['no_ocr']['outcome']}) |")
    counts = {}
    for r in rows:
        counts[r["ocr"]["outcome"]] = counts.get(r["ocr"]["outcome"], 0) + 1
    print("\n" + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())) + f" of {len(rows)}")
    os.makedirs(os.path.join(ROOT, "bench", "out"), exist_ok=True)
    with open(os.path.join(ROOT, "bench", "out", "pdf_cost.json"), "w") as f:
        json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
