#!/usr/bin/env bash
# Build the fuzzers with clang + ASan + UBSan and run one of them.
#   fuzz/run.sh [TARGET] [SECONDS] [LIBFUZZER FLAGS...]     default: fuzz_reader_writer, 60 s
# Targets: fuzz_reader_writer (parser + writer + dump), fuzz_deid (the whole pipeline, pixels included),
#          fuzz_profile (JSON profile files), fuzz_pdf (the encapsulated-PDF cleaner),
#          fuzz_codestream (the codestream filters of lib/codestream).
# Beyond "no crash" the targets assert invariants (fuzz/invariants.hpp): outputs re-read, the same
# input gives the same output, identifiers planted in an input are not in the output.
# Seeds: fuzz/corpus/<target>/ (committed: our samples and every crash found so far) plus
# ../shared/corpus when present. New interesting inputs go to build-fuzz/corpus-<target>/.
# A crash writes build-fuzz/artifacts/<target>/crash-* and exits non-zero: add that file to
# fuzz/corpus/<target>/ with the fix, so it becomes a regression test (tests/ replays the corpus).
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-fuzz_reader_writer}
seconds=${2:-60}
if [ ! -f build-fuzz/build.ninja ]; then
  CC=clang CXX=clang++ meson setup build-fuzz -Dfuzzing=true -Dfuzz_only=true -Dtests=false \
    -Dbuildtype=debugoptimized -Db_sanitize=address,undefined -Db_lundef=false \
    -Dcpp_args=-fsanitize=fuzzer-no-link >/dev/null
fi
# The media module is loaded at run time (codecs, OCR, PDF): build it beside the fuzzers.
targets=("fuzz/$target" libdicomscrub_media.so)
ninja -C build-fuzz "${targets[@]}" >/dev/null || { meson setup --reconfigure build-fuzz >/dev/null && ninja -C build-fuzz "${targets[@]}" >/dev/null; }
mkdir -p "build-fuzz/corpus-$target" "build-fuzz/artifacts/$target"
seeds=("fuzz/corpus/$target")
if [ "$target" = fuzz_reader_writer ] && [ -d ../shared/corpus ]; then
  seeds+=(../shared/corpus/fo-dicom ../shared/corpus/pydicom-test ../shared/corpus/pydicom-charset)
fi
# A dictionary of the words the target's invariants plant and the tokens its format is made of.
extra=()
if [ -f "fuzz/$target.dict" ]; then extra+=("-dict=fuzz/$target.dict"); fi
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export LSAN_OPTIONS=suppressions=$PWD/fuzz/lsan.supp
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:suppressions=$PWD/fuzz/ubsan.supp
"build-fuzz/fuzz/$target" -max_total_time="$seconds" -max_len=262144 -rss_limit_mb=2048 -timeout=10 \
  -artifact_prefix="build-fuzz/artifacts/$target/" -print_final_stats=1 "${extra[@]}" \
  "${@:3}" "build-fuzz/corpus-$target" "${seeds[@]}"
