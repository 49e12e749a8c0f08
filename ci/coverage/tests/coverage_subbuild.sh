#!/usr/bin/env bash
# From a build without instrumentation: configures and builds a coverage
# build of the same core in BUILD/coverage-subbuild (several minutes on 2
# cores), then runs the end-to-end check in it. Skipped (exit 77) unless
# LLSIM_COVERAGE_TEST=1, so `make test` stays fast.
# Usage: coverage_subbuild.sh SOURCE_DIR BUILD_DIR [LLBITMAP_SOURCE]
set -eu
src=$1; build=$2; core=${3:-}
if [ "${LLSIM_COVERAGE_TEST:-0}" != 1 ]; then
	echo "skipped: set LLSIM_COVERAGE_TEST=1 to build and run a coverage build"
	exit 77
fi
sub=$build/coverage-subbuild
cmake -S "$src" -B "$sub" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DLLSIM_BUILD_MUTANTS=OFF -DLLSIM_COVERAGE=ON -DLLBITMAP_SOURCE="$core" > "$sub.log" 2>&1 ||
	{ tail -20 "$sub.log"; exit 1; }
cmake --build "$sub" -j2 --target llsim >> "$sub.log" 2>&1 || { tail -40 "$sub.log"; exit 1; }
exec "$src/ci/coverage/tests/coverage_e2e.sh" "$sub/bin/llsim" "$sub/coverage-e2e"
