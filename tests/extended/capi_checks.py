#!/usr/bin/env python3
"""C ABI checks: libdicomscrub exports only dscrub_* symbols; the C and C++ examples build (by
meson) and run on a sample. Usage: capi_checks.py LIBDICOMSCRUB C_EXAMPLE CPP_EXAMPLE SOURCE_ROOT"""
import os
import subprocess
import sys
import tempfile


def main():
    lib, c_example, cpp_example, root = sys.argv[1:5]
    failures = []
    # What another object can bind to: defined GLOBAL or WEAK dynamic symbols. (The linker leaves a
    # few vague-linkage libstdc++ instantiations in .dynsym as LOCAL, which nothing can bind to.)
    syms = subprocess.run(["readelf", "--dyn-syms", "-W", lib], capture_output=True, text=True, check=True).stdout
    symbols = []
    for line in syms.splitlines():
        f = line.split()
        if len(f) >= 8 and f[0].rstrip(":").isdigit() and f[4] in ("GLOBAL", "WEAK") and f[6] != "UND":
            symbols.append(f[7].split("@")[0])
    exported = [s for s in symbols if s != "DSCRUB_1"]  # the version node of lib/capi/dicomscrub.map
    stray = [s for s in exported if not s.startswith("dscrub_")]
    if stray:
        failures.append(f"non-dscrub symbols exported: {stray[:10]}")
    if len(exported) < 20:
        failures.append(f"only {len(exported)} dscrub_ symbols exported")
    print(f"exported symbols: {len(exported)}, all dscrub_-prefixed: {not stray}")
    sample = os.path.join(root, "tests", "data", "phi", "Quixote_Zebulon", "CT_Zebulon_1.dcm")
    with tempfile.TemporaryDirectory() as tmp:
        key = os.path.join(tmp, "k.key")
        with open(os.open(key, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n")
        p = subprocess.run([c_example, key, sample, os.path.join(tmp, "out")], capture_output=True, text=True)
        print("c_example:", p.stdout.strip(), p.stderr.strip())
        if p.returncode != 0 or not p.stdout.startswith("written: 2.25."):
            failures.append(f"c_example failed: {p.returncode} {p.stdout} {p.stderr}")
        else:
            rel = p.stdout.split("written: ", 1)[1].strip()
            if not os.path.isfile(os.path.join(tmp, "out", rel)):
                failures.append("c_example reported an output that does not exist")
        bad = subprocess.run([c_example, key, os.path.join(root, "tests", "data", "malformed", "truncated_value.dcm"),
                              os.path.join(tmp, "out")], capture_output=True, text=True)
        if bad.returncode != 1 or "offset 1118" not in bad.stderr or "(7FE0,0010)" not in bad.stderr:
            failures.append(f"c_example on a malformed file: {bad.returncode} {bad.stderr}")
        out = os.path.join(tmp, "cpp.dcm")
        p = subprocess.run([cpp_example, sample, out], capture_output=True, text=True)
        print("cpp_example:", p.stdout.strip(), p.stderr.strip())
        if p.returncode != 0 or not os.path.isfile(out):
            failures.append(f"cpp_example failed: {p.returncode} {p.stderr}")
    for f in failures:
        print("FAIL", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
