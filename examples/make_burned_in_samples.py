#!/usr/bin/env python3
"""Writes the burned-in samples in examples/burned_in (committed; rerun after changing):
a cover page with the patient's name rendered in its pixels (RLE), and a scanned requisition
stored as an encapsulated PDF. All names, IDs and dates are invented. `bash tools/demo.sh`
de-identifies them. Needs pydicom, numpy, Pillow and gdcmconv (tools/setup.sh installs them)."""
import os
import pathlib
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "python"))
import burned_in as bi  # noqa: E402
import test_pdf  # noqa: E402

out = os.path.join(ROOT, "examples", "burned_in")
os.makedirs(out, exist_ok=True)
bi.make_cover(out, "cover_page_rle", codec="rle", width=256, height=160, lines=6, frames=1)
test_pdf.pdf_instance(pathlib.Path(out) / "scanned_requisition.dcm", test_pdf.image_pdf())
print("wrote", sorted(os.listdir(out)))
