#!/usr/bin/env bash
# A mutant test: the mutant's hunt must fail the named property with a
# short case, and that shrunk trace must pass on the unmutated core (else
# the failure is not the mutant's bug but the harness's or the core's).
# With --sole PROPERTY first, the mutant must also pass its shrunk trace
# once that property is skipped: no other property sees the bug there, so
# the property is shown to earn its place.
# Usage: mutant_test.sh [--sole PROPERTY] MUTANT_LLSIM PLAIN_LLSIM OUT_DIR run-flags...
set -u
sole=
if [ "$1" = --sole ]; then sole=$2; shift 2; fi
mutant=$1; plain=$2; out=$3; shift 3
rm -rf "$out"
"$mutant" run "$@" --out "$out" || exit 1
trace=$(ls "$out"/*.trace 2>/dev/null | grep -v in-progress | head -n 1)
if [ -z "$trace" ]; then
	echo "the hunt left no trace in $out"
	exit 1
fi
result=$("$plain" replay "$trace" 2>&1)
if printf '%s\n' "$result" | grep -q '^passed'; then
	echo "ok: the unmutated core passes $trace"
	[ -z "$sole" ] && exit 0
	result=$("$mutant" replay --skip "$sole" "$trace" 2>&1)
	if printf '%s\n' "$result" | grep -q '^passed'; then
		echo "ok: with $sole skipped the mutant passes it: $sole alone catches the mutant there"
		exit 0
	fi
	echo "with $sole skipped the mutant still fails $trace, so $sole is not alone in catching it:"
	printf '%s\n' "$result" | grep -E '^(FAILED|hash)' | head -n 3
	exit 1
fi
echo "the unmutated core does not pass the mutant's shrunk trace $trace:"
printf '%s\n' "$result" | grep -E '^(FAILED|passed|hash)' | head -n 5
exit 1
