#!/usr/bin/env python3
"""Does it matter where the pixel data lands in the output? copy_file_range of a large value from
an input file at offset IN to a new output at offset OUT, for: the same offset (same page index
and offset within the page), another page index with the same offset within the page (what
align_bulk_data gives when the header grew or shrank by whole pages), and another offset within
the page (what an unaligned writer gives). Interleaved rounds (rotated), medians of wall time and of this
process's CPU seconds (the copy is done in the kernel, on our account: system time).

  bulk_alignment.py [--dir DIR] [--mb 105] [--rounds 9]      # DIR on disk (default bench/out) or /dev/shm

The numbers go to docs/benchmarks.md ("Bulk data page alignment").
"""
import argparse
import os
import resource
import statistics
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IN_OFFSET = 1342  # a typical multi-frame header: pixel data starts inside page 0


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def copy(src, dst_path, in_off, out_off, length):
    t0, c0 = time.perf_counter(), cpu()
    fd = os.open(dst_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, b"\0" * out_off)  # the header
        done = 0
        while done < length:
            n = os.copy_file_range(src, fd, length - done, in_off + done)
            if n <= 0:
                raise SystemExit("copy_file_range copied nothing")
            done += n
    finally:
        os.close(fd)
    return time.perf_counter() - t0, cpu() - c0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default=os.path.join(ROOT, "bench", "out"))
    ap.add_argument("--mb", type=int, default=105)
    ap.add_argument("--rounds", type=int, default=9)
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    src_path = os.path.join(a.dir, "bulk-src.bin")
    length = a.mb << 20
    with open(src_path, "wb") as f:
        f.write(b"\0" * IN_OFFSET)
        block = os.urandom(1 << 20)
        for _ in range(a.mb):
            f.write(block)
    cases = {
        "same page index, same offset in page": IN_OFFSET,
        "next page, same offset in page": IN_OFFSET + 4096,
        "3 pages on, same offset in page": IN_OFFSET + 3 * 4096,
        "16 pages (64 KiB) on, same offset in page": IN_OFFSET + 16 * 4096,
        "512 pages (2 MiB) on, same offset in page": IN_OFFSET + 512 * 4096,
        "other offset in page (+8 bytes)": IN_OFFSET + 8,
        "other offset in page (+2000 bytes)": IN_OFFSET + 2000,
    }
    src = os.open(src_path, os.O_RDONLY)
    with open(src_path, "rb") as f:  # warm the page cache, as bench/run.py's repeated rounds do
        while f.read(1 << 24):
            pass
    wall = {c: [] for c in cases}
    cpus = {c: [] for c in cases}
    dst = os.path.join(a.dir, "bulk-dst.bin")
    try:
        names = list(cases)
        for r in range(a.rounds):
            # Each round starts with another case: no case always runs right after the same one.
            for name in names[r % len(names):] + names[:r % len(names)]:
                out_off = cases[name]
                w, c = copy(src, dst, IN_OFFSET, out_off, length)
                wall[name].append(w)
                cpus[name].append(c)
                os.unlink(dst)
    finally:
        os.close(src)
        os.unlink(src_path)
    base = statistics.median(wall["same page index, same offset in page"])
    base_cpu = statistics.median(cpus["same page index, same offset in page"])
    print(f"copy_file_range of {a.mb} MiB from offset {IN_OFFSET}, in {a.dir} ({fs_type(a.dir)}), median of {a.rounds} interleaved rounds\n")
    print("| output offset of the value | median wall s | vs same | median CPU s | vs same |")
    print("|---|---:|---:|---:|---:|")
    for name in cases:
        w, c = statistics.median(wall[name]), statistics.median(cpus[name])
        print(f"| {name} | {w:.3f} | {w / base:.2f}x | {c:.3f} | {c / base_cpu:.2f}x |")


def fs_type(path):
    best, kind = "", "?"
    with open("/proc/mounts") as f:
        for line in f:
            _, mnt, fs = line.split()[:3]
            if os.path.abspath(path).startswith(mnt) and len(mnt) > len(best):
                best, kind = mnt, fs
    return kind


if __name__ == "__main__":
    main()
