#!/usr/bin/env python3
"""Differential test: for every file GDCM reads, our element list (tag path, VR, length) must equal
GDCM's. Runs over tests/data, and over ../shared/corpus when it is there (skipped cleanly if not).

Usage: gdcm_differential.py OUR_ELEMENTS GDCM_ELEMENTS SOURCE_ROOT
Differences we accept are normalised in `comparable()` and each says why.
"""
import os
import subprocess
import sys


def lines(cmd):
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=60)
    except subprocess.TimeoutExpired:
        return None, "timeout"
    if p.returncode != 0:
        return None, (p.stderr.decode(errors="replace").strip() or f"exit {p.returncode}")[:300]
    return p.stdout.decode(errors="replace").splitlines(), None


# Files where GDCM and we disagree, each checked by hand; the reason is why we are right.
KNOWN = {
    "MR_truncated.dcm": "the pixel data value runs 62 bytes past the end of the file; GDCM reads "
                        "what is there, we refuse a truncated file (fail closed)",
    "GH1339.dcm": "the file ends after the first fragment without a sequence delimiter; GDCM reports a "
                  "second 91072-byte fragment that is not in the file",
}


def comparable(rows):
    out = []
    seen = set()
    for row in rows:
        path, vr, length = row.split("\t")
        # GDCM keeps the first of duplicated tags (its data set is a std::set); we keep all of them.
        if path in seen:
            continue
        seen.add(path)
        # GDCM reports VR bytes that are no VR as "??"/"UN"-like values; and it turns an explicit
        # UN of undefined length (CP-246) into SQ. We keep what the file says. Compare VRs only
        # where both sides name a standard VR and do not differ by that rule.
        if vr in ("UN", "SQ"):
            vr = "UN|SQ"
        out.append((path, vr, length))
    return sorted(out)


def files_under(root):
    for dirpath, _, names in os.walk(root):
        for n in sorted(names):
            if n.endswith((".py", ".json", ".tsv", ".md", ".txt")):
                continue
            yield os.path.join(dirpath, n)


def main():
    ours_exe, gdcm_exe, root = sys.argv[1:4]
    sets = [os.path.join(root, "tests", "data")]
    corpus = os.environ.get("DICOMSCRUB_CORPUS") or os.path.join(root, "..", "shared", "corpus")
    if os.path.isdir(corpus):
        sets.append(corpus)
    else:
        print(f"note: {corpus} absent; comparing tests/data only")
    compared = agree = gdcm_only_fail = both_fail = 0
    failures = []
    for s in sets:
        for f in files_under(s):
            if os.sep + "malformed" + os.sep in f:
                continue
            if os.path.basename(f) in KNOWN:
                print(f"known difference: {f}: {KNOWN[os.path.basename(f)]}")
                continue
            ours, our_err = lines([ours_exe, f])
            enc = "explicit"
            if ours:
                enc = ours[0][1:]
                ours = ours[1:]
            theirs, their_err = lines([gdcm_exe, enc, f])
            if theirs is None:
                if ours is None:
                    both_fail += 1
                else:
                    gdcm_only_fail += 1  # GDCM cannot read it; nothing to compare against
                continue
            compared += 1
            if ours is None:
                failures.append(f"{f}: GDCM reads it, we do not: {our_err}")
                continue
            # VR comparison is meaningless where one side reports a non-standard VR.
            a, b = comparable(ours), comparable(theirs)
            if [(p, l) for p, _, l in a] != [(p, l) for p, _, l in b]:
                diff = next(((x, y) for x, y in zip(a, b) if (x[0], x[2]) != (y[0], y[2])), (a[len(b):][:1], b[len(a):][:1]))
                failures.append(f"{f}: element lists differ; first difference ours={diff[0]} gdcm={diff[1]}")
                continue
            vr_diff = [(x, y) for x, y in zip(a, b) if x[1] != y[1] and "??" not in (x[1], y[1])
                       and x[1] != "--" and x[1].isalpha() and x[1].isupper() and y[1] not in ("INVALID",)]
            if vr_diff:
                failures.append(f"{f}: VRs differ; first ours={vr_diff[0][0]} gdcm={vr_diff[0][1]}")
                continue
            agree += 1
    print(f"compared {compared} files GDCM reads: {agree} agree; GDCM cannot read {gdcm_only_fail} that we read; "
          f"{both_fail} neither reads")
    for f in failures:
        print("FAIL", f)
    if compared == 0:
        print("no file compared: that is a broken test, not a pass")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
