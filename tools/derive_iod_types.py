#!/usr/bin/env python3
"""Derive rows of data/iod_required_attributes.tsv from dciodvfy's own IOD knowledge.

For every IOD (SOP class) in the given folders, up to --per-class files are taken; every attribute
the profile may remove (E.1-1 lists it, or its VR is text, a name, a date/time or an AE title, which
the engine judges or removes) is deleted from one copy at a time, at every depth, and dciodvfy
(dicom3tools) is asked about the copy. A "Missing attribute Type 1/1C/2/2C ... Element=<keyword>"
error the file did not have says the IOD needs it there. Prints TSV rows (keyword, type, context,
source) for attributes the profile may remove and the table does not answer yet, one per place
(top level, inside items); --all prints every finding.

    python3 tools/derive_iod_types.py ../shared/corpus tests/data [--per-class 2] [--all]

Needs pydicom and dciodvfy. Nothing here runs at build or run time: the rows are checked in.
"""
import argparse
import collections
import csv
import os
import re
import subprocess
import sys
import tempfile
import warnings

import pydicom

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MISSING = re.compile(r"^Error - Missing attribute Type (1C?|2C?) (?:Required|Conditional) Element=<(\w+)> Module=<(\w+)>")
JUDGED_VRS = {"LO", "SH", "ST", "LT", "UT", "UC", "UR", "AS", "PN", "DA", "TM", "DT", "AE"}
ACTION_COLUMNS = {"basic_profile", "retain_safe_private", "retain_uids", "retain_device_identity",
                  "retain_institution_identity", "retain_patient_characteristics", "retain_long_full_dates",
                  "retain_long_modified_dates", "clean_descriptors", "clean_structured_content", "clean_graphics"}


def rows(path):
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader((l for l in f if not l.startswith("#")), delimiter="\t"))


def missing(path):
    p = subprocess.run(["dciodvfy", path], capture_output=True, text=True, errors="replace")
    found = set()
    for line in (p.stdout + p.stderr).splitlines():
        m = MISSING.match(line)
        if m:
            found.add((m.group(2), m.group(1)[0], m.group(3)))
    return found


def candidates(ds, e11, path=()):
    """(path to the element, keyword, depth) of every element the profile may remove."""
    for elem in ds:
        if elem.tag.is_private or elem.tag.group in (0x0002, 0x7FE0) or elem.tag.group & 0xFF00 == 0x6000:
            continue
        here = path + (elem.tag,)
        if (elem.tag in e11 or elem.VR in JUDGED_VRS or elem.VR == "SQ") and elem.keyword:
            yield here, elem.keyword, len(path) // 2
        if elem.VR == "SQ":
            for i, item in enumerate(elem.value):
                yield from candidates(item, e11, here + (i,))


def delete(ds, path):
    target = ds
    for step in path[:-1]:
        target = target[step].value if isinstance(step, pydicom.tag.BaseTag) else target[step]
    del target[path[-1]]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("folders", nargs="+")
    ap.add_argument("--per-class", type=int, default=2)
    ap.add_argument("--all", action="store_true")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    e11_rows = rows(os.path.join(ROOT, "data", "ps3.15_E.1-1_confidentiality_profile.tsv"))
    e11 = {int(r["match_value"], 16) for r in e11_rows if r["match_mask"] == "FFFFFFFF"}
    known = set()  # (keyword, context) the table already answers
    for r in rows(os.path.join(ROOT, "data", "iod_required_attributes.tsv")):
        known.add((r["keyword"], "item" if r["context"].startswith("in:") else r["context"]))
    by_class = collections.defaultdict(list)
    for folder in args.folders:
        for dirpath, _, names in os.walk(folder):
            for n in sorted(names):
                p = os.path.join(dirpath, n)
                try:
                    ds = pydicom.dcmread(p)
                except Exception:
                    continue
                cls = str(ds.get("SOPClassUID", ""))
                if cls and len(by_class[cls]) < args.per_class:
                    by_class[cls].append(p)
    found = collections.defaultdict(set)  # (keyword, context) -> {(type, module, class name)}
    with tempfile.TemporaryDirectory() as tmp:
        for cls, files in sorted(by_class.items()):
            name = pydicom.uid.UID(cls).name
            for p in files:
                ds = pydicom.dcmread(p)
                before = missing(p)
                seen = set()
                for path, kw, depth in list(candidates(ds, e11)):
                    if (kw, depth > 0) in seen:
                        continue
                    seen.add((kw, depth > 0))
                    copy = pydicom.dcmread(p)
                    try:
                        delete(copy, path)
                        out = os.path.join(tmp, "copy.dcm")
                        copy.save_as(out)
                    except Exception:
                        continue
                    for mkw, typ, module in missing(out) - before:
                        if mkw == kw:
                            found[(kw, "item" if depth else "top")].add((typ, module, name))
                print(f"# {name}: {os.path.relpath(p)} ({len(seen)} attributes tried)", file=sys.stderr)
    removable = {r["keyword"] for r in e11_rows if any("X" in r[c] for c in r if c in ACTION_COLUMNS)}
    for (kw, ctx), why in sorted(found.items()):
        # Only what the profile may remove needs a row (a UID is re-mapped, a D gets a dummy anyway):
        # X in some column of E.1-1, or not listed there and judged by VR (text kept unless it
        # identifies; names, dates, times and AE titles removed).
        listed = kw in {r["keyword"] for r in e11_rows}
        vr = pydicom.datadict.dictionary_VR(kw) if pydicom.datadict.tag_for_keyword(kw) else ""
        if not args.all and not (kw in removable or (not listed and vr in JUDGED_VRS)):
            continue
        if (kw, ctx) in known and not args.all:
            continue
        typ = min(t for t, _, _ in why)  # the strictest: a dummy is valid where Type 2 allows empty
        modules = sorted({m for _, m, _ in why})
        iods = sorted({c for _, _, c in why})
        print(f"{kw}\t{typ}\t{ctx}\t\t\tdciodvfy (dicom3tools 2022): Missing attribute Type {typ} in "
              f"{', '.join(modules)} when removed from {'; '.join(iods)}")

if __name__ == "__main__":
    main()
