#!/usr/bin/env bash
# Minimise a fuzz campaign's corpus into the checked-in one.
#   fuzz/merge.sh TARGET [MAX_BYTES]        default MAX_BYTES: 65536
# Merges (libFuzzer -merge=1, into a fresh directory) the checked-in fuzz/corpus/TARGET and the
# campaign's new inputs $FUZZ_BUILD/corpus-TARGET (FUZZ_BUILD defaults to build-fuzz, the directory
# fuzz/run.sh builds in; point it at another clone's build to merge that campaign). Inputs over
# MAX_BYTES are left out before the merge, so the checked-in corpus stays small and the replay
# tests fast; the merge then keeps a smaller input for their features where one exists.
# Named files (our seeds, finding-*, crash-*) are kept by name whatever the merge says: they are the
# regression inputs. Everything else in fuzz/corpus/TARGET is replaced by the merge's choice.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: fuzz/merge.sh TARGET [MAX_BYTES]}
max_bytes=${2:-65536}
build=${FUZZ_BUILD:-build-fuzz}
fuzzer="$build/fuzz/$target"
[ -x "$fuzzer" ] || { echo "no $fuzzer: build it with fuzz/run.sh first" >&2; exit 1; }
checked_in="fuzz/corpus/$target"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/candidates" "$work/merged"
# libFuzzer names the inputs it keeps by the SHA-1 of their content; anything else is named by us.
is_named() { ! [[ "$(basename "$1")" =~ ^[0-9a-f]{40}$ ]]; }
left_out=0
for f in "$checked_in"/* "$build/corpus-$target"/*; do
  [ -f "$f" ] || continue
  if is_named "$f" && [ "$(dirname "$f")" = "$checked_in" ]; then continue; fi
  if [ "$(stat -c %s "$f")" -gt "$max_bytes" ]; then left_out=$((left_out + 1)); continue; fi
  ln -sf "$(realpath "$f")" "$work/candidates/$(sha1sum "$f" | cut -c1-40)"
done
# The named files start in the output directory, so the merge counts their features as covered.
for f in "$checked_in"/*; do if is_named "$f"; then cp "$f" "$work/merged/"; fi; done
export ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1:suppressions=$PWD/fuzz/ubsan.supp
"$fuzzer" -merge=1 -max_len=$((max_bytes > 262144 ? max_bytes : 262144)) -rss_limit_mb=2048 -timeout=10 \
  "$work/merged" "$work/candidates" 2>"$work/log" || { tail -n 20 "$work/log" >&2; exit 1; }
grep -h -e 'DONE *cov' -e 'MERGE-OUTER: [0-9]* new files' "$work/log" >&2 || true
find "$checked_in" -maxdepth 1 -type f -regextype posix-extended -regex '.*/[0-9a-f]{40}' -delete
find "$work/merged" -maxdepth 1 -type f -regextype posix-extended -regex '.*/[0-9a-f]{40}' \
  -exec cp {} "$checked_in"/ \;
echo "$target: $(ls "$checked_in" | wc -l) files, $(du -s --apparent-size -B1 "$checked_in" | cut -f1) bytes;" \
  "$left_out inputs over $max_bytes bytes left out"
