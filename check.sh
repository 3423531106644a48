#!/usr/bin/env bash
# check.sh — install what is missing, build, and run every test:
#   1. a normal build (warnings are errors) and the whole CTest suite;
#   2. the same suite under AddressSanitizer + UndefinedBehaviorSanitizer (but the integration
#      tests run again on PostgreSQL, label pg-twin: their SQLite runs and the unit *_pg tests are there);
#   3. each libFuzzer target for a short run (FUZZ_SECONDS, default 60).
set -euo pipefail
cd "$(dirname "$0")"
. scripts/deps.sh
tocsin_install $TOCSIN_BUILD_PACKAGES $TOCSIN_TEST_PACKAGES

jobs=$(nproc)
fuzz_seconds=${FUZZ_SECONDS:-60}

echo "== build and test (RelWithDebInfo, -Werror)"
cmake -S . -B build -DTOCSIN_WERROR=ON >/dev/null
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure -j "$jobs" --timeout 600

echo "== build and test with ASan + UBSan"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DTOCSIN_SANITIZE=ON -DTOCSIN_WERROR=ON >/dev/null
cmake --build build-asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	ctest --test-dir build-asan --output-on-failure -j "$jobs" --timeout 900 -LE "bench|load|pg-twin"

echo "== fuzz (${fuzz_seconds}s per target)"
CC=clang cmake -S . -B build-fuzz -DTOCSIN_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-fuzz -j "$jobs" --target fuzz_targets
# Seeds: our own examples, and the shared corpus read in place when it is there.
seeds="cap-schemas/examples"
for dir in ../shared/corpus/cap/valid ../shared/corpus/cap/invalid; do
	[ -d "$dir" ] && seeds="$seeds $dir"
done
for target in build-fuzz/tests/fuzz/fuzz_*; do
	[ -x "$target" ] || continue
	name=$(basename "$target")
	corpus=build-fuzz/corpus-$name
	mkdir -p "$corpus"
	dict=""
	[ "$name" = fuzz_cap ] && dict="-dict=tests/fuzz/cap.dict"
	# shellcheck disable=SC2086 # seeds and dict are word lists
	"$target" -max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
		$dict "$corpus" $seeds >build-fuzz/$name.log 2>&1 ||
		{ tail -50 build-fuzz/$name.log; echo "fuzz target $name failed"; exit 1; }
	grep -E "^#[0-9]+.*(DONE|pulse)" build-fuzz/$name.log | tail -1
done
echo "== all checks passed"
