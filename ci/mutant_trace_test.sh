#!/usr/bin/env bash
# A mutant test from a trace, for a mutant whose window the generators
# reach too rarely to hunt in a test's budget: the mutant must fail the
# trace with its expected property, and the unmutated core must pass it.
# Usage: mutant_trace_test.sh MUTANT_LLSIM PLAIN_LLSIM TRACE
set -u
mutant=$1; plain=$2; trace=$3
out=$("$mutant" replay "$trace" 2>&1)
if [ $? -ne 0 ]; then
	echo "the mutant does not fail $trace as expected:"
	printf '%s\n' "$out" | grep -E '^(FAILED|passed|did NOT)' | head -n 3
	exit 1
fi
printf '%s\n' "$out" | grep -E '^FAILED' | head -n 1
result=$("$plain" replay "$trace" 2>&1)
if printf '%s\n' "$result" | grep -q '^passed'; then
	echo "ok: the unmutated core passes $trace"
	exit 0
fi
echo "the unmutated core does not pass $trace:"
printf '%s\n' "$result" | grep -E '^(FAILED|hash)' | head -n 3
exit 1
