#!/usr/bin/env bash
# A mutant test from a trace, for a mutant whose window the generators
# reach too rarely to hunt in a test's budget. The trace is replayed with
# seeds 1..SEEDS (its schedule and latencies vary, its operations do not):
# the mutant must fail it with its expected property for at least one seed,
# and the unmutated core must pass it for every seed. A window that rare
# moves with any change of timing, so no single seed is relied on.
# With --sole PROPERTY first, every seed the mutant fails must pass on it
# once that property is skipped: no other property sees the bug there.
# Usage: mutant_trace_test.sh [--sole PROPERTY] MUTANT_LLSIM PLAIN_LLSIM TRACE [SEEDS]
set -u
sole=
if [ "$1" = --sole ]; then sole=$2; shift 2; fi
mutant=$1; plain=$2; trace=$3; seeds=${4:-100}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
caught=0
for s in $(seq 1 "$seeds"); do
	t="$work/seed$s.trace"
	sed "s/^seed .*/seed $s/" "$trace" > "$t"
	if "$mutant" replay "$t" > "$work/out" 2>&1; then
		[ $caught -eq 0 ] && { echo "seed $s:"; grep -E '^FAILED' "$work/out" | head -n 1; }
		caught=$((caught + 1))
		if [ -n "$sole" ] && ! "$mutant" replay --skip "$sole" "$t" 2>&1 | grep -q '^passed'; then
			echo "with $sole skipped the mutant still fails seed $s, so $sole is not alone in catching it:"
			"$mutant" replay --skip "$sole" "$t" 2>&1 | grep -E '^FAILED' | head -n 1
			exit 1
		fi
	fi
	if ! "$plain" replay "$t" 2>&1 | grep -q '^passed'; then
		echo "the unmutated core does not pass $trace with seed $s:"
		"$plain" replay "$t" 2>&1 | grep -E '^(FAILED|hash)' | head -n 3
		exit 1
	fi
done
if [ $caught -eq 0 ]; then
	echo "the mutant passes $trace with every seed 1..$seeds: the property did not catch it"
	exit 1
fi
echo "ok: the mutant fails $caught of $seeds seeds; the unmutated core passes them all"
[ -n "$sole" ] && echo "ok: with $sole skipped the mutant passes every one of them: $sole alone catches it"
exit 0
