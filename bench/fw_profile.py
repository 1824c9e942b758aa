#!/usr/bin/env python3
"""A Basic-sized fw-file-rs de-identification profile (YAML), generated from `dicomscrub profile show`,
so the Flywheel peer does the same amount of work per attribute as we do (remove, empty, dummy,
keyed token, UID, date shift), not less.

  fw_profile.py DICOMSCRUB_CLI > basic.yaml

Each effective action of Table E.1-1 maps to the nearest fw-file-rs action: remove -> remove,
empty -> replace-with "", dummy -> replace-with a dummy of the attribute's kind, token -> hash,
uid -> hashuid, shift -> increment-date; keep and clean are left out (fw-file-rs has no Clean
Descriptors). Fields are named by tag (fw-file-rs's dictionary lacks some 2026 keywords). Private tags are removed and sequences recursed, as the Basic Profile does.
"""
import os
import re
import subprocess
import sys

LINE = re.compile(r"^\s+\((?P<g>[0-9A-F]{4}),(?P<e>[0-9A-F]{4})\)\s+(?P<kw>\w+)\s+\S+\s+->\s+(?P<action>\w+)")


def rules(cli):
    out = subprocess.run([cli, "profile", "show"], check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        m = LINE.match(line)
        if m:
            yield f'"({m["g"]},{m["e"]})"', m["kw"], m["action"]


def vrs():
    # The attribute's VR (data/ps3.6_data_dictionary.tsv): fw-file-rs checks a replacement against it.
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "ps3.6_data_dictionary.tsv")
    with open(path) as f:
        next(f)
        return {row[3]: row[4] for row in (line.rstrip("\n").split("\t") for line in f)}


def field(kw, action, vr):
    if action == "remove":
        return {"remove": "true"}
    if action in ("empty", "dummy") and vr == "SQ":
        return {"replace-with": "[]"}
    if action == "empty":
        return {"replace-with": "''"}
    if action == "dummy":
        dummy = {"DT": "19000101000000", "DA": "19000101", "TM": "000000", "UI": "2.25.0", "DS": "0", "IS": "0",
                 "AS": "000Y", "CS": "ANONYMIZED", "US": "0", "UL": "0", "SS": "0", "SL": "0", "FL": "0", "FD": "0"}.get(vr, "ANONYMIZED")
        return {"replace-with": f"'{dummy}'"}
    if action == "token":
        return {"hash": "true"}
    if action == "uid":
        return {"hashuid": "true"}
    if action == "shift":
        return {"increment-date": "true"}
    return None


def main():
    cli = sys.argv[1]
    lines = ["version: 1", "name: dicomscrub-basic", "dicom:", "  date-increment: -17", "  recurse-sequence: true",
             "  remove-private-tags: true", "  replace-with-insert: false", "  fields:"]
    n = 0
    vr_of = vrs()
    for tag, kw, action in rules(cli):
        f = field(kw, action, vr_of.get(kw, "").split(" ")[0])
        if f is None:
            continue
        (k, v), = f.items()
        lines += [f"    - name: {tag}  # {kw}", f"      {k}: {v}"]
        n += 1
    print("\n".join(lines))
    print(f"fw_profile: {n} fields", file=sys.stderr)


if __name__ == "__main__":
    main()
