"""python -m dicomscrub: the CLI's deid and keygen commands, over the Python bindings.

  python -m dicomscrub deid [--profile P] [--option O]... [--key-file K] --output DIR [--jobs N]
                            [--audit FILE] INPUT...
  python -m dicomscrub keygen FILE

Same outputs and exit codes as the dicomscrub CLI: 0 all written, 1 some failed, 2 usage,
3 some withheld.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import List, Optional

from . import DicomscrubError, Engine, deidentify_tree, keygen


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m dicomscrub")
    sub = ap.add_subparsers(dest="command", required=True)
    d = sub.add_parser("deid", help="de-identify files and folders")
    d.add_argument("--profile", default="basic")
    d.add_argument("--option", action="append", default=[])
    d.add_argument("--key-file")
    d.add_argument("--output", required=True)
    d.add_argument("--jobs", type=int, default=1)
    d.add_argument("--audit")
    d.add_argument("inputs", nargs="+")
    k = sub.add_parser("keygen", help="write a new key file")
    k.add_argument("file")
    try:
        a = ap.parse_args(argv)
    except SystemExit as e:
        return 2 if e.code else 0
    try:
        if a.command == "keygen":
            keygen(a.file)
            print(f"wrote a new 256-bit key to {a.file} (mode 0600)")
            return 0
        engine = Engine(profile=a.profile, options=a.option, key_file=a.key_file)
    except DicomscrubError as e:
        print(f"error: {e.message}", file=sys.stderr)
        return 2
    if engine.one_time_key:
        print("note: no --key-file: using a random one-time key", file=sys.stderr)
    results = deidentify_tree(a.inputs, a.output, workers=a.jobs, engine=engine)
    written = withheld = errors = 0
    audit = open(a.audit, "w") if a.audit else None
    for r in results:
        if isinstance(r, DicomscrubError):
            errors += 1
            print(f"error: {r.message}", file=sys.stderr)
            if audit:
                audit.write(json.dumps({"status": "error", "reason": r.message}) + "\n")
            continue
        if audit:
            audit.write(json.dumps(r.audit) + "\n")
        if r.ok:
            written += 1
        else:
            withheld += 1
    if audit:
        audit.close()
    print(f"{len(results)} inputs: {written} written, {withheld} withheld, {errors} errors")
    return 1 if errors else 3 if withheld else 0


if __name__ == "__main__":
    sys.exit(main())
