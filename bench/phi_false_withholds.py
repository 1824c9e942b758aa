#!/usr/bin/env python3
"""False withholds of the residual-PHI check on real files: every DICOM file under the given
folders (default: tests/data and ../shared/corpus) is de-identified (one batch per folder) and
every "residual PHI" withhold is listed with its reason (--duplicates suffix: corpus files sharing
a SOP Instance UID are all de-identified and checked). These files are public test data: nothing in them is a real
person's identifier, so each such withhold is a false alarm unless a reader would also call the
text identifying (then say why in the report).

  python3 bench/phi_false_withholds.py [--cli build/cli/dicomscrub] [FOLDER...]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(cli, folders, options=(), extra=()):
    work = tempfile.mkdtemp(prefix="phi_fw_")
    key = os.path.join(work, "k.key")
    subprocess.run([cli, "keygen", key], check=True, stdout=subprocess.DEVNULL)
    result = {"files": 0, "written": 0, "withheld": 0, "errors": 0, "residual": []}
    for i, folder in enumerate(folders):
        out = os.path.join(work, f"o{i}")
        audit = os.path.join(work, f"a{i}.jsonl")
        args = [cli, "deid", "--key-file", key, "--output", out, "--audit", audit, "--audit-paths", "plain", "--duplicates", "suffix", "--jobs", "2"]
        for o in options:
            args += ["--option", o]
        subprocess.run(args + list(extra) + [folder], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not os.path.exists(audit):
            continue
        for line in open(audit):
            r = json.loads(line)
            if "input" not in r or r["status"] == "not_dicom":
                continue
            result["files"] += 1
            if r["status"] == "written":
                result["written"] += 1
            elif r["status"] == "withheld":
                result["withheld"] += 1
                if "residual PHI" in (r.get("reason") or ""):
                    result["residual"].append((r["input"], r["reason"]))
            else:
                result["errors"] += 1
    subprocess.run(["rm", "-rf", work])
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", default=os.path.join(ROOT, "build", "cli", "dicomscrub"))
    ap.add_argument("--option", action="append", default=[])
    ap.add_argument("folders", nargs="*")
    a = ap.parse_args()
    folders = a.folders or [p for p in (os.path.join(ROOT, "tests", "data"), os.path.join(ROOT, "..", "shared", "corpus")) if os.path.isdir(p)]
    res = run(os.path.abspath(a.cli), folders, a.option)
    print(f"{res['files']} DICOM inputs: {res['written']} written, {res['withheld']} withheld "
          f"({len(res['residual'])} for residual PHI), {res['errors']} errors")
    for path, reason in res["residual"]:
        print(f"  {os.path.relpath(path, ROOT)}: {reason}")
    sys.exit(0)


if __name__ == "__main__":
    main()
