#!/usr/bin/env bash
# The main job on the samples shipped in tests/data: de-identify them under the Basic Profile with
# a site key, then show one output and the summary; then the burned-in samples in
# examples/burned_in (a cover page, a scanned PDF) and what was done to their pixels. Inputs are
# left untouched.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
bash tools/build.sh
exe=build/cli/dicomscrub
key=build/demo.key
[ -f "$key" ] || "$exe" keygen "$key" >/dev/null
out=build/demo-output
rm -rf "$out"
echo "== dicomscrub deid --key-file $key --output $out --audit $out.audit.jsonl tests/data/phi tests/data examples/burned_in"
set +e
"$exe" deid --key-file "$key" --output "$out" --audit "$out.audit.jsonl" --jobs 2 tests/data/phi tests/data examples/burned_in 2>/dev/null
rc=$?
set -e
echo "(exit code $rc: 0 all written, 1 some inputs broken — tests/data/malformed is broken on purpose — 3 some withheld)"
echo
first=$(find "$out" -name '*.dcm' | sort | head -1)
echo "== one output, named from pseudonymized UIDs: ${first#$out/}"
"$exe" dump "$first"
echo
echo "== audit record of the first input"
head -1 "$out.audit.jsonl"
echo
echo "== burned-in samples: what was done to their pixels (the audit's \"pixels\" field)"
python3 - "$out.audit.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if "examples/burned_in" in r["input"]:
        print(f"{r['input']}: {r['status']}: {r.get('pixels') or r.get('reason')}")
PY
