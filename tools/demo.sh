#!/usr/bin/env bash
# The main job on the samples shipped in tests/data: de-identify them under the Basic Profile with
# a site key, then show one output and the summary; then the burned-in samples in
# examples/burned_in (a cover page, a scanned PDF), what was done to their pixels, and the review
# page of the run. Inputs are left untouched. Every step says what it does and how long it took
# (a first run installs packages and builds for several minutes; later runs take seconds).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
step() { echo "demo [$((SECONDS - start)) s] $*"; }
step "checking system packages (tools/setup.sh; the first time this installs ~25 Debian packages: a few minutes)"
bash tools/setup.sh
step "building in build/ (meson + ninja; the first build takes 5-10 minutes on 2 cores, later ones seconds)"
bash tools/build.sh
step "built"
exe=build/cli/dicomscrub
key=build/demo.key
[ -f "$key" ] || "$exe" keygen "$key" >/dev/null
out=build/demo-output
rm -rf "$out" "$out.audit.jsonl" "$out.html"
# The demo's inputs are synthetic, so the audit may name them plainly (the default is a keyed hash).
step "dicomscrub deid --key-file $key --output $out --audit $out.audit.jsonl --audit-paths plain tests/data/phi tests/data examples/burned_in"
set +e
"$exe" deid --key-file "$key" --output "$out" --audit "$out.audit.jsonl" --audit-paths plain --jobs 2 --quiet \
  tests/data/phi tests/data examples/burned_in 2>/dev/null
rc=$?
set -e
echo "(exit code $rc: 0 all written, 1 some inputs broken — tests/data/malformed is broken on purpose — 3 some withheld)"
echo
first=$(find "$out" -name '*.dcm' | sort | head -1)
step "one output, named from pseudonymized UIDs: ${first#$out/}"
"$exe" dump "$first"
echo
step "the audit: its header, then the record of the first input"
sed -n 1,2p "$out.audit.jsonl"
echo
step "burned-in samples: what was done to their pixels (the audit's \"pixels\" field)"
python3 - "$out.audit.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if "examples/burned_in" in (r.get("input") or ""):
        print(f"{r['input']}: {r['status']}: {r.get('pixels') or r.get('reason')}")
PY
"$exe" report "$out.audit.jsonl" --html "$out.html"
step "done: open $out.html in a browser to review the run (cleaned frames with the blanked boxes outlined)"
