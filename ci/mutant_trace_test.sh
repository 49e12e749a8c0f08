#!/usr/bin/env bash
# A mutant test from a trace, for a mutant whose window the generators
# reach too rarely to hunt in a test's budget. The trace is replayed with
# seeds 1..SEEDS (its schedule and latencies vary, its operations do not):
# the mutant must fail it with its expected property for at least one seed,
# and the unmutated core must pass it for every seed. A window that rare
# moves with any change of timing, so no single seed is relied on.
# Usage: mutant_trace_test.sh MUTANT_LLSIM PLAIN_LLSIM TRACE [SEEDS]
set -u
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
