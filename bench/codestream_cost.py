#!/usr/bin/env python3
"""Cost of lib/codestream (issue 12): per-frame time of filtering JPEG (baseline, lossless), JPEG-LS,
JPEG 2000 and RLE frames of 512x512 (10 frames each, written by gdcmconv from one native image), and
the unused-bits pass over a 105 MB native multi-frame (bench/gen_corpus.py). Prints markdown.

  python3 bench/codestream_cost.py [--rounds 21]

Build first (tools/build.sh).
"""
import argparse
import os
import random
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "python"))
import adversarial_regions as adv  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=21)
    a = ap.parse_args()
    work = os.path.join(ROOT, "bench", "out", "codestream")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    rows = cols = 512
    frames = 10
    rnd = random.Random(5)
    # A smooth image with some noise: realistic compressed sizes, not a best case.
    img = bytes(((x // 2 + y // 3 + (x * y) % 17 + rnd.randrange(8) + f * 9) & 0xFF)
                for f in range(frames) for y in range(rows) for x in range(cols))
    e = adv.base_elements(0, rows=rows, cols=cols, frames=frames)
    e[(0x7FE0, 0x0010)] = adv.el(0x7FE0, 0x10, "OB", img)
    native = os.path.join(work, "native8.dcm")
    with open(native, "wb") as f:
        f.write(adv.dicom_file(e, adv.EXPLICIT_LE, sop_instance=f"{adv.ROOT_UID}.3.0"))
    files = []
    for label, flags in (("jpeg_baseline", ["--jpeg", "--lossy", "-q", "90"]), ("jpeg_lossless", ["--jpeg"]),
                         ("jpegls", ["--jpegls"]), ("j2k", ["--j2k"]), ("rle", ["--rle"])):
        out = os.path.join(work, f"{label}.dcm")
        subprocess.run(["gdcmconv", *flags, native, out], check=True, capture_output=True)
        files.append(out)
    subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen_corpus.py"), work, "--multiframe", "1", "--frames", "200"],
                   check=True)
    files.append(os.path.join(work, "multiframe", "mf000.dcm"))
    exe = os.path.join(ROOT, "build", "bench", "codestream_cost")
    print(subprocess.run([exe, "--rounds", str(a.rounds), *files], check=True, capture_output=True, text=True).stdout)


if __name__ == "__main__":
    main()
