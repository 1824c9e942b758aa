"""python -m dicomscrub: every command of the dicomscrub CLI.

  python -m dicomscrub deid [--profile P] [--option O]... [--key-file K] --output DIR [--jobs N]
                            [--audit FILE] [--dry-run] [--duplicates skip|error|suffix] INPUT...
  python -m dicomscrub keygen FILE
  python -m dicomscrub verify|profile|report|dump|rewrite|gateway|help ...

deid and keygen run here, over the Python bindings (same outputs and exit codes as the CLI: 0 all
written, 1 some failed, 2 usage, 3 some withheld). The other commands are handed to the dicomscrub
program (found through $DICOMSCRUB_EXE, beside this package, or on PATH), arguments unchanged.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from typing import List, Optional

from . import DicomscrubError, Engine, deidentify_tree, keygen

OWN = ("deid", "keygen")
HANDED_ON = ("verify", "profile", "report", "dump", "rewrite", "gateway", "version", "help")


def _program() -> Optional[str]:
    env = os.environ.get("DICOMSCRUB_EXE")
    if env:
        return env
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dicomscrub")
    if os.access(here, os.X_OK) and not os.path.isdir(here):
        return here
    return shutil.which("dicomscrub")


def _hand_on(argv: List[str]) -> int:
    exe = _program()
    if not exe:
        print(f"python -m dicomscrub {argv[0]}: this command runs the dicomscrub program, which was not found "
              "(set DICOMSCRUB_EXE, or install the CLI on PATH: see README, 'Installing the CLI')", file=sys.stderr)
        return 2
    os.execv(exe, [exe, *argv])
    return 2  # not reached


def main(argv: Optional[List[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in HANDED_ON:
        return _hand_on(argv)
    ap = argparse.ArgumentParser(prog="python -m dicomscrub",
                                 epilog=f"also: {', '.join(HANDED_ON)} (run by the dicomscrub program)")
    sub = ap.add_subparsers(dest="command", required=True)
    d = sub.add_parser("deid", help="de-identify files and folders")
    d.add_argument("--profile", default="basic")
    d.add_argument("--option", action="append", default=[])
    d.add_argument("--key-file")
    d.add_argument("--output", "-o")
    d.add_argument("--jobs", "-j", type=int, default=1)
    d.add_argument("--audit")
    d.add_argument("--dry-run", action="store_true")
    d.add_argument("--duplicates", choices=["skip", "error", "suffix"], default="skip")
    d.add_argument("inputs", nargs="+")
    k = sub.add_parser("keygen", help="write a new key file")
    k.add_argument("file")
    try:
        a = ap.parse_args(argv)
        if a.command == "deid" and not (1 <= a.jobs <= 256):
            ap.error(f"--jobs needs a whole number from 1 to 256, not {a.jobs}")
        if a.command == "deid" and not a.output and not a.dry_run:
            ap.error("deid needs --output DIR")
    except SystemExit as e:
        return 2 if e.code else 0
    try:
        if a.command == "keygen":
            keygen(a.file)
            print(f"wrote a new 256-bit key to {a.file} (mode 0600)")
            return 0
        engine = Engine(profile=a.profile, options=a.option, key_file=a.key_file)
        audit = open(a.audit, "x", encoding="utf-8") if a.audit else None  # opened first, never overwritten
    except DicomscrubError as e:
        print(f"error: {e.message}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"error: cannot open the audit file {a.audit}: {e.strerror}", file=sys.stderr)
        return 2
    if engine.one_time_key:
        print("note: no --key-file: using a random one-time key", file=sys.stderr)
    start = time.monotonic()
    results = deidentify_tree(a.inputs, a.output or ".", workers=a.jobs, engine=engine, dry_run=a.dry_run,
                              duplicates=a.duplicates)
    counts = {s: sum(r.status == s for r in results) for s in ("ok", "withheld", "error", "duplicate")}
    for r in results:
        if r.status == "error":
            print(f"error: {r.reason}", file=sys.stderr)
        elif r.status == "duplicate":
            print(f"duplicate: {r.input}: {r.reason}", file=sys.stderr)
        if audit:
            audit.write(json.dumps({**r.audit, "input": r.input, "status": r.status, "reason": r.reason or None}) + "\n")
    if audit:
        audit.close()
    dups = f", {counts['duplicate']} duplicates (not written)" if counts["duplicate"] else ""
    print(f"{'dry run: ' if a.dry_run else ''}{len(results)} inputs: {counts['ok']} "
          f"{'would be written' if a.dry_run else 'written'}, {counts['withheld']} withheld, {counts['error']} errors"
          f"{dups}"
          f" in {time.monotonic() - start:.1f} s")
    return 1 if counts["error"] else 3 if counts["withheld"] else 0


if __name__ == "__main__":
    sys.exit(main())
