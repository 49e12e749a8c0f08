#!/usr/bin/env bash
# A mutant test from a trace, for a mutant whose window the generators
# reach too rarely to hunt in a test's budget. The trace is replayed with
# seeds 1..SEEDS (`llsim replay --seeds`: its schedule and latencies vary,
# its operations do not): the mutant must fail it with its expected
# property for at least one seed, and the unmutated core must pass it for
# every seed. A window that rare moves with any change of timing, so no
# single seed is relied on.
# With --sole PROPERTY first, every seed the mutant fails must pass on it
# once that property is skipped: no other property sees the bug there.
# Usage: mutant_trace_test.sh [--sole PROPERTY] MUTANT_LLSIM PLAIN_LLSIM TRACE [SEEDS]
set -u
sole=
if [ "$1" = --sole ]; then sole=$2; shift 2; fi
mutant=$1; plain=$2; trace=$3; seeds=${4:-100}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
expect=$(sed -n 's/^expect-failure //p' "$trace")
[ -n "$expect" ] || { echo "$trace has no expect-failure line"; exit 1; }
# seeds OUT: the seeds whose first failure is the expected property.
caught_in() { sed -n "s/^seed \([0-9]*\): FAILED $expect .*/\1/p" "$1"; }
ran() { [ "$(grep -c '^seed [0-9]*: ' "$1")" = "$seeds" ] || { cat "$1"; echo "FAIL: $2 did not run all $seeds seeds"; exit 1; }; }

"$mutant" replay --seeds "$seeds" "$trace" > "$work/mutant" 2>&1
ran "$work/mutant" "the mutant"
caught=$(caught_in "$work/mutant")
if [ -z "$caught" ]; then
	tail -n 1 "$work/mutant"
	echo "the mutant passes $trace with every seed 1..$seeds: the property did not catch it"
	exit 1
fi
first=$(echo "$caught" | head -n 1)
echo "seed $first:"; grep -m1 "^seed $first: " "$work/mutant" | sed 's/^seed [0-9]*: //'
"$plain" replay --seeds "$seeds" "$trace" > "$work/plain" 2>&1
ran "$work/plain" "the unmutated core"
if grep -q '^seed [0-9]*: FAILED' "$work/plain"; then
	echo "the unmutated core does not pass $trace with every seed:"
	grep -m3 '^seed [0-9]*: FAILED' "$work/plain"
	exit 1
fi
if [ -n "$sole" ]; then
	"$mutant" replay --seeds "$seeds" --skip "$sole" "$trace" > "$work/sole" 2>&1
	ran "$work/sole" "the mutant with $sole skipped"
	for s in $caught; do
		if ! grep -q "^seed $s: passed" "$work/sole"; then
			echo "with $sole skipped the mutant still fails seed $s, so $sole is not alone in catching it:"
			grep -m1 "^seed $s: " "$work/sole"
			exit 1
		fi
	done
fi
echo "ok: the mutant fails $(echo "$caught" | wc -l) of $seeds seeds; the unmutated core passes them all"
[ -n "$sole" ] && echo "ok: with $sole skipped the mutant passes every one of them: $sole alone catches it"
exit 0
