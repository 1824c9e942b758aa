#!/usr/bin/env python3
"""Deterministic benchmark corpora (same bytes on every machine and run).

  gen_corpus.py OUT_DIR [--ct N] [--multiframe N --frames F] [--tiny N]

ct/         N single-frame 512x512 16-bit CT images with PHI-bearing headers (~525 KB each)
multiframe/ N multi-frame 512x512 16-bit files, F frames each (F=200: ~105 MB per file)
tiny/       N small instances without pixel data (~1.5 KB each)
"""
import argparse
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data"))
import make_samples as ms  # noqa: E402  (the independent encoder used for the test samples)

CT = ms.CT


def header(i, study, series, modality="CT", extra=()):
    rnd = random.Random(i)
    name = f"{rnd.choice(['Smith', 'Garcia', 'Nguyen', 'Okafor', 'Kowalski'])}^{rnd.choice(['Ann', 'Luis', 'Mai', 'Chidi', 'Ewa'])}"
    elems = [
        (0x00080005, "CS", "ISO_IR 100"), (0x00080008, "CS", "ORIGINAL\\PRIMARY\\AXIAL"),
        (0x00080016, "UI", CT), (0x00080018, "UI", f"1.2.826.0.1.3680043.9.7433.9.{study}.{series}.{i}"),
        (0x00080020, "DA", "20230301"), (0x00080030, "TM", "093012"), (0x00080050, "SH", f"ACC{study:06d}"),
        (0x00080060, "CS", modality), (0x00080080, "LO", "General Hospital of Example"),
        (0x00080081, "ST", "12 Main Street, Springfield"), (0x00080090, "PN", "Referrer^Robert"),
        (0x00081010, "SH", "CT-SCANNER-7"), (0x00081030, "LO", "CT CHEST W CONTRAST"),
        (0x0008103E, "LO", "AXIAL 1.25MM"), (0x00100010, "PN", name), (0x00100020, "LO", f"MRN{study:08d}"),
        (0x00100030, "DA", "19580704"), (0x00100040, "CS", "F"), (0x00101010, "AS", "064Y"),
        (0x00101040, "LO", "44 Elm Road, Springfield"), (0x00102154, "SH", "555-0100"),
        (0x00180015, "CS", "CHEST"), (0x00180050, "DS", "1.25"), (0x00181000, "LO", "SN-889911"),
        (0x0020000D, "UI", f"1.2.826.0.1.3680043.9.7433.9.{study}"),
        (0x0020000E, "UI", f"1.2.826.0.1.3680043.9.7433.9.{study}.{series}"),
        (0x00200010, "SH", f"S{study}"), (0x00200011, "IS", str(series)), (0x00200013, "IS", str(i + 1)),
        (0x00200032, "DS", f"-250\\-250\\{i * 1.25:.2f}"), (0x00200052, "UI", f"1.2.826.0.1.3680043.9.7433.9.{study}.0"),
        (0x00090010, "LO", "ACME CT 1.0"), (0x00091001, "LO", "private tech note"),
    ] + list(extra)
    return elems


def twelve_bits(noise):
    # Bits Stored is 12: bits 12-15 of each little-endian sample are zero, as a real image has them
    # (set, they would be overlay bits the de-identifier clears, and every file would be rewritten).
    b = bytearray(noise)
    b[1::2] = bytes(x & 0x0F for x in b[1::2])
    return bytes(b)


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--ct", type=int, default=0)
    ap.add_argument("--multiframe", type=int, default=0)
    ap.add_argument("--frames", type=int, default=200)
    ap.add_argument("--tiny", type=int, default=0)
    a = ap.parse_args()
    enc = ms.LE
    if a.ct:
        d = os.path.join(a.out, "ct")
        os.makedirs(d, exist_ok=True)
        pix = twelve_bits(random.Random(7).randbytes(512 * 512 * 2))
        for i in range(a.ct):
            elems = header(i, 1 + i // 200, 1 + (i // 100) % 2) + ms.image_elems(enc, 512, 512) + [(0x7FE00010, "OW", pix)]
            sop = f"1.2.826.0.1.3680043.9.7433.9.{1 + i // 200}.{1 + (i // 100) % 2}.{i}"
            write(os.path.join(d, f"ct{i:05d}.dcm"), ms.part10("1.2.840.10008.1.2.1", CT, sop, ms.build(enc, elems)))
    if a.multiframe:
        d = os.path.join(a.out, "multiframe")
        os.makedirs(d, exist_ok=True)
        frame = twelve_bits(random.Random(11).randbytes(512 * 512 * 2))
        for i in range(a.multiframe):
            px = frame * a.frames
            elems = header(i, 900 + i, 1) + ms.image_elems(enc, 512, 512, frames=a.frames)
            ds = ms.build(enc, elems) + enc.u16(0x7FE0) + enc.u16(0x0010) + b"OW\0\0" + enc.u32(len(px))
            with open(os.path.join(d, f"mf{i:03d}.dcm"), "wb") as f:
                f.write(ms.part10("1.2.840.10008.1.2.1", CT, f"1.2.826.0.1.3680043.9.7433.8.{i}", ds))
                f.write(px)
    if a.tiny:
        d = os.path.join(a.out, "tiny")
        os.makedirs(d, exist_ok=True)
        for i in range(a.tiny):
            sop = f"1.2.826.0.1.3680043.9.7433.7.{i}"
            write(os.path.join(d, f"t{i:06d}.dcm"), ms.part10("1.2.840.10008.1.2.1", CT, sop, ms.build(enc, header(i, 5000 + i // 50, 1))))


if __name__ == "__main__":
    main()
