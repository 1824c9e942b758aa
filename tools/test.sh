#!/usr/bin/env bash
# Every test: unit suites, GDCM differential, corpus round trip (when ../shared/corpus is there),
# end-to-end pytest, pip install in a fresh venv, the sanitizer suites (ASan+UBSan, TSan) and fuzz
# smoke runs. Ends with one "N passed, N failed" line.
set -uo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh || exit 1
bash tools/build.sh || exit 1
meson test -C build --print-errorlogs --num-processes 2
meson_rc=$?
# Count doctest cases inside each doctest binary, and each other meson test as one.
read -r passed failed skipped < <(python3 - <<'PY'
import json, re
p = f = s = 0
for line in open("build/meson-logs/testlog.json"):
    r = json.loads(line)
    m = re.search(r"test cases:\s*(\d+)\s*\|\s*(\d+) passed\s*\|\s*(\d+) failed\s*\|\s*(\d+) skipped", r.get("stdout", ""))
    if m:
        p += int(m.group(2)); f += int(m.group(3)); s += int(m.group(4))
        if r["result"] not in ("OK", "SKIP") and int(m.group(3)) == 0: f += 1
    elif r["result"] == "OK": p += 1
    elif r["result"] == "SKIP": s += 1
    else: f += 1
print(p, f, s)
PY
)
echo "== pytest: end-to-end de-identification (pydicom reads the outputs)"
python3 -m pytest tests/python -q --junit-xml=build/pytest.xml
pytest_rc=$?
read -r py_passed py_failed py_skipped < <(python3 - <<'PY'
import xml.etree.ElementTree as ET
try:
    r = ET.parse("build/pytest.xml").getroot()
    s = r if r.tag == "testsuite" else r.find("testsuite")
    t, f, e, k = (int(s.get(x, 0)) for x in ("tests", "failures", "errors", "skipped"))
    print(t - f - e - k, f + e, k)
except Exception:
    print(0, 1, 0)
PY
)
passed=$((passed + py_passed)); failed=$((failed + py_failed)); skipped=$((skipped + py_skipped))
echo "== pip install . in a fresh virtual environment, then import and use the installed package"
rm -rf build/venv-check
if python3 -m venv build/venv-check && build/venv-check/bin/pip install -q . > build/pip-install.log 2>&1 &&
   (cd /tmp && "$OLDPWD/build/venv-check/bin/python" -c "import dicomscrub, sys; e = dicomscrub.Engine(); sys.exit(0 if e.one_time_key else 1)") &&
   build/venv-check/bin/python -m dicomscrub keygen build/venv-check/check.key >/dev/null; then
  passed=$((passed + 1)); echo "pip install: ok"
else
  failed=$((failed + 1)); echo "pip install: FAILED"; tail -30 build/pip-install.log
fi
rm -rf .mesonpy-*
echo "== sanitizers: ASan+UBSan suite, TSan threaded tests"
if bash tools/sanitizers.sh > build/sanitizers.log 2>&1; then
  grep -E '^sanitizer' build/sanitizers.log
else
  cat build/sanitizers.log | tail -60
fi
read -r s_passed s_failed < <(sed -n 's/^sanitizers: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' build/sanitizers.log | tail -1)
passed=$((passed + ${s_passed:-0})); failed=$((failed + ${s_failed:-1}))
fuzz_seconds=${FUZZ_SMOKE_SECONDS:-40}
for target in fuzz_reader_writer fuzz_deid fuzz_profile fuzz_pdf fuzz_codestream; do
  echo "== fuzz smoke: $target for ${fuzz_seconds}s (ASan+UBSan)"
  if bash fuzz/run.sh "$target" "$fuzz_seconds" > "build/fuzz-smoke-$target.log" 2>&1; then
    passed=$((passed + 1))
    grep -E '^Done' "build/fuzz-smoke-$target.log" | head -1
  else
    failed=$((failed + 1))
    tail -40 "build/fuzz-smoke-$target.log"
  fi
done
echo "tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
[ "$meson_rc" -eq 0 ] && [ "$pytest_rc" -eq 0 ] && [ "$failed" -eq 0 ]
