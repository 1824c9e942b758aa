#!/usr/bin/env bash
# The test suite under sanitizers (called by tools/test.sh; can run alone):
#   ASan+UBSan: the unit suites, the corpus round trip, the C ABI checks, and the pytest suite
#               driving an ASan-built CLI;
#   TSan:       the threaded tests (batch with 2 jobs in-process, and the CLI with --jobs 2).
# Prints "sanitizers: N passed, N failed" last.
set -uo pipefail
cd "$(dirname "$0")/.."
passed=0; failed=0
step() {  # step NAME COMMAND...
  local name=$1; shift
  if "$@" > "build/sanitizer-$name.log" 2>&1; then passed=$((passed + 1)); echo "sanitizer $name: ok"
  else failed=$((failed + 1)); echo "sanitizer $name: FAILED"; tail -40 "build/sanitizer-$name.log"; fi
}
root=$PWD
supp="$root/fuzz/ubsan.supp"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$root/fuzz/lsan.supp
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:suppressions=$supp
export DICOMSCRUB_SOURCE_ROOT=$root

if [ ! -f build-asan/build.ninja ]; then
  meson setup build-asan -Dbuildtype=debugoptimized -Db_sanitize=address,undefined -Db_lundef=false >/dev/null || exit 1
fi
ninja -C build-asan >/dev/null || { echo "asan build failed"; exit 1; }
step asan-unit build-asan/tests/unit_tests
step asan-corpus bash -c 'build-asan/tests/corpus_roundtrip; rc=$?; [ $rc -eq 0 ] || [ $rc -eq 77 ]'
step asan-capi python3 tests/extended/capi_checks.py build-asan/libdicomscrub.so build-asan/examples/c_example build-asan/examples/cpp_example "$root"
# The CLI under ASan; the Python bindings keep the release library (ASan cannot be loaded into python).
step asan-pytest env DICOMSCRUB_EXE="$root/build-asan/cli/dicomscrub" python3 -m pytest tests/python -q -p no:cacheprovider

if [ ! -f build-tsan/build.ninja ]; then
  meson setup build-tsan -Dbuildtype=debugoptimized -Db_sanitize=thread -Db_lundef=false >/dev/null || exit 1
fi
ninja -C build-tsan tests/unit_tests cli/dicomscrub >/dev/null || { echo "tsan build failed"; exit 1; }
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
step tsan-batch build-tsan/tests/unit_tests -tc="batch*"
tsan_cli() {
  local out; out=$(mktemp -d)
  build-tsan/cli/dicomscrub keygen "$out/k.key" >/dev/null &&
  build-tsan/cli/dicomscrub deid --key-file "$out/k.key" --output "$out/o" --jobs 2 tests/data/phi tests/data >/dev/null
  local rc=$?
  rm -rf "$out"
  [ $rc -eq 1 ]  # tests/data/malformed holds broken files on purpose: exit 1, and no TSan report
}
step tsan-cli tsan_cli
echo "sanitizers: ${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
