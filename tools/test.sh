#!/usr/bin/env bash
# Every test: unit suites, GDCM differential, corpus round trip (when ../shared/corpus is there),
# and a fuzz smoke run under ASan+UBSan. Ends with one "N passed, N failed" line.
set -uo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh || exit 1
bash tools/build.sh || exit 1
meson test -C build --print-errorlogs --num-processes 2
meson_rc=$?
read -r passed failed skipped < <(python3 - <<'PY'
import json
p = f = s = 0
for line in open("build/meson-logs/testlog.json"):
    r = json.loads(line)["result"]
    if r == "OK": p += 1
    elif r == "SKIP": s += 1
    else: f += 1
print(p, f, s)
PY
)
fuzz_seconds=${FUZZ_SMOKE_SECONDS:-60}
echo "== fuzz smoke: fuzz_reader_writer for ${fuzz_seconds}s (ASan+UBSan)"
if bash fuzz/run.sh fuzz_reader_writer "$fuzz_seconds" > build/fuzz-smoke.log 2>&1; then
  passed=$((passed + 1))
  grep -E 'stat::number_of_executed_units|Done' build/fuzz-smoke.log | head -2
else
  failed=$((failed + 1))
  tail -40 build/fuzz-smoke.log
fi
echo "tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
[ "$meson_rc" -eq 0 ] && [ "$failed" -eq 0 ]
